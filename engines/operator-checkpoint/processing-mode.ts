/**
 * Processing modes (Apex's OperatorContext.PROCESSING_MODE, protocol step 7), set per logical operator, and
 * the DAG validation Apex applies to them (LogicalPlan.validateProcessingMode, run by LogicalPlan.validate()):
 * visiting operators from the input operators down, each one only after all its upstream operators,
 * - downstream of an AT_MOST_ONCE operator, an operator without a mode becomes AT_MOST_ONCE, and one with
 *   any other mode is an error ("Processing mode <sink>/<mode> not valid for source <op>/AT_MOST_ONCE");
 * - downstream of an EXACTLY_ONCE operator, the mode must be set, and set to AT_MOST_ONCE ("Processing mode
 *   for <sink> should be AT_MOST_ONCE for source <op>/EXACTLY_ONCE", or "... not valid for source ...").
 * Why: a redeployed AT_MOST_ONCE or EXACTLY_ONCE operator starts from its newest checkpoint
 * (StreamingContainerAgent), not from the recovery checkpoint its downstream operators were bounded by, so it
 * cannot regenerate the older windows an AT_LEAST_ONCE downstream operator would ask for again.
 *
 * faultline's guarantees as modes: at-least-once and exactly-once leave every operator at Apex's default,
 * AT_LEAST_ONCE (exactly-once is Apex's documented route to end-to-end exactly-once: AT_LEAST_ONCE operators
 * and the exactly-once output operator, output-operator.ts); at-most-once sets AT_MOST_ONCE on the input
 * operator, which Apex's rule carries down to every operator.
 */
import { BadInputError } from '../../core/errors.ts';
import type { Guarantee } from '../../core/types.ts';
import { OPERATORS, type OperatorName, standardTopology } from '../runtime/topology.ts';

/** Apex's Operator.ProcessingMode. */
export type ProcessingMode = 'AT_LEAST_ONCE' | 'AT_MOST_ONCE' | 'EXACTLY_ONCE';
export const PROCESSING_MODES: readonly ProcessingMode[] = ['AT_LEAST_ONCE', 'AT_MOST_ONCE', 'EXACTLY_ONCE'];

/** PROCESSING_MODE attributes as set on logical operators; an operator not named is unset. */
export type ModeAttributes = Partial<Record<string, ProcessingMode>>;

/** A logical DAG: operator names and streams (upstream → downstream). */
export interface LogicalDag {
  operators: readonly string[];
  streams: readonly (readonly [string, string])[];
}

/** faultline's DAG: source → features → score → sink. */
export const STANDARD_DAG: LogicalDag = {
  operators: OPERATORS,
  streams: standardTopology({ source: 1, features: 1, score: 1, sink: 1 }).edges.map(
    (e) => [e.from, e.to] as const,
  ),
};

const RULE =
  "Apex's DAG validation (LogicalPlan.validateProcessingMode): every operator downstream of an AT_MOST_ONCE " +
  'operator must be AT_MOST_ONCE (unset ones become it), and every operator downstream of an EXACTLY_ONCE ' +
  'operator must be set to AT_MOST_ONCE';

/**
 * Apex's validation of the PROCESSING_MODE attributes over a DAG, with its propagation of AT_MOST_ONCE.
 * Returns every operator's effective mode; an invalid combination is a BadInputError with Apex's message.
 */
export function validateProcessingModes(
  dag: LogicalDag,
  set: ModeAttributes,
): Record<string, ProcessingMode> {
  const attrs: ModeAttributes = { ...set };
  const inputs = (op: string) => dag.streams.filter(([, to]) => to === op).map(([from]) => from);
  const outputs = (op: string) => dag.streams.filter(([from]) => from === op).map(([, to]) => to);
  const visited = new Set<string>();
  const invalid = (message: string, sink: string, source: string, mode: ProcessingMode) =>
    new BadInputError(`invalid processing modes: ${message}`, {
      fix:
        `${RULE}. Set ${sink} to AT_MOST_ONCE, or take ${mode} off ${source}; ` +
        'for end-to-end exactly-once use AT_LEAST_ONCE operators (the default) with --guarantee exactly-once',
    });
  // Depth first from the input operators; an operator is visited once all its inputs have been.
  const visit = (op: string) => {
    if (inputs(op).some((u) => !visited.has(u))) return;
    visited.add(op);
    const pm = attrs[op] ?? 'AT_LEAST_ONCE';
    for (const sink of outputs(op)) {
      const sinkPm = attrs[sink];
      if (sinkPm === undefined) {
        if (pm === 'AT_MOST_ONCE') attrs[sink] = pm;
        else if (pm === 'EXACTLY_ONCE')
          throw invalid(
            `Processing mode for ${sink} should be AT_MOST_ONCE for source ${op}/${pm}`,
            sink,
            op,
            pm,
          );
      } else if (
        (pm === 'AT_MOST_ONCE' && sinkPm !== pm) ||
        (pm === 'EXACTLY_ONCE' && sinkPm !== 'AT_MOST_ONCE')
      ) {
        throw invalid(`Processing mode ${sink}/${sinkPm} not valid for source ${op}/${pm}`, sink, op, pm);
      }
      visit(sink);
    }
  };
  for (const op of dag.operators) if (inputs(op).length === 0) visit(op);
  return Object.fromEntries(dag.operators.map((op) => [op, attrs[op] ?? 'AT_LEAST_ONCE']));
}

/** The PROCESSING_MODE attributes a guarantee sets before the user's own (see the top comment). */
export function guaranteeModes(guarantee: Guarantee): ModeAttributes {
  return guarantee === 'at-most-once' ? { source: 'AT_MOST_ONCE' } : {};
}

/**
 * Every operator's mode for a run: the guarantee's attributes, then the user's `processingModes` on top,
 * validated as Apex does. Under at-least-once and exactly-once no operator may end up AT_MOST_ONCE: a
 * redeployed one skips the windows in flight, so the guarantee could not hold (faultline's rule, not Apex's).
 */
export function effectiveProcessingModes(
  guarantee: Guarantee,
  set: ModeAttributes,
  dag: LogicalDag = STANDARD_DAG,
): Record<OperatorName, ProcessingMode> {
  const modes = validateProcessingModes(dag, { ...guaranteeModes(guarantee), ...set });
  const lossy = dag.operators.filter((op) => modes[op] === 'AT_MOST_ONCE');
  if ((guarantee === 'at-least-once' || guarantee === 'exactly-once') && lossy.length > 0) {
    throw new BadInputError(
      `processing modes make ${lossy.join(', ')} AT_MOST_ONCE, which loses the windows in flight on a redeploy: ` +
        `the ${guarantee} guarantee could not hold`,
      { fix: 'run with --guarantee at-most-once, or leave those operators AT_LEAST_ONCE' },
    );
  }
  return modes as Record<OperatorName, ProcessingMode>;
}

/**
 * The mode an operator runs in, from options parsed with the run's guarantee. The fan-out's `challenger` runs in
 * the score's mode: it sits where the score sits (features → it → sink), so the chain's validation covers it.
 */
export function modeOf(modes: ModeAttributes, operator: string): ProcessingMode {
  return modes[operator] ?? (operator === 'challenger' ? modes.score : undefined) ?? 'AT_LEAST_ONCE';
}
