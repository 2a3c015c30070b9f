/**
 * The faultline CLI: parses arguments and calls the programmatic API. Errors become exit codes
 * (0 ok, 1 a check failed, 2 bad input, 3 the harness failed) and a message that says what to do.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { FAULT_KINDS, faultKindNames, SOAK_KINDS } from '../chaos/index.ts';
import { describeError, EXIT, GUARANTEES, isFaultlineError, TOPOLOGIES } from '../core/index.ts';
import { engineNames, getEngine, JVM_BENCH_WARMUP_S } from '../engines/index.ts';
import {
  BENCH_DEFAULTS,
  DEFAULT_SHRINK_RUNS,
  MODEL_TRAINERS,
  PROVIDERS,
  QUIET_HOST,
  REFERENCE_QUIET,
} from '../harness/index.ts';
import { IMAGES } from '../infra/index.ts';
import { catalogNames, loadScenario, parseSeconds, workloadNames } from '../scenarios/index.ts';
import { type BenchFlags, benchCommand } from './bench-command.ts';
import { registerCompareCommand } from './compare-command.ts';
import { type ImagesBuildFlags, imagesBuildCommand } from './images-command.ts';
import { type InfraFlags, infraDown, infraStatusCommand, infraUp } from './infra-command.ts';
import { type MatrixFlags, matrixCommand } from './matrix-command.ts';
import {
  type ModelTrainFlags,
  type ModelValidateFlags,
  modelTrainCommand,
  modelValidateCommand,
} from './model-command.ts';
import { registerReportCommand } from './report-command.ts';
import { type RunFlags, runCommand } from './run-command.ts';
import { type SoakFlags, soakCommand } from './soak-command.ts';

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; a usage error is bad input
      return e.exitCode === 0 ? 0 : EXIT.badInput;
    }
    process.stderr.write(`faultline: ${describeError(e)}\n`);
    if (isFaultlineError(e)) return e.exitCode;
    if (process.env.FAULTLINE_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return EXIT.harnessFailed;
  }
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('faultline')
    .description('Benchmark and chaos-test stream-processing fault-tolerance architectures')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  const infra = program.command('infra').description('provision and run Kafka, Redis and Toxiproxy');
  const infraOptions = (cmd: Command) =>
    cmd
      .addOption(new Option('--provider <name>', 'where services run').default('local'))
      .option('--json', 'print machine-readable JSON on stdout')
      .addOption(new Option('--name <name>', 'instance name').default('default').hideHelp());
  infraOptions(infra.command('up').description('provision (cached) and start the services'))
    .addOption(
      new Option('--kafka-port <port>', 'fixed Kafka port').argParser(port).env('FAULTLINE_KAFKA_PORT'),
    )
    .addOption(
      new Option('--redis-port <port>', 'fixed Redis port').argParser(port).env('FAULTLINE_REDIS_PORT'),
    )
    .addOption(
      new Option('--toxiproxy-port <port>', 'fixed Toxiproxy API port')
        .argParser(port)
        .env('FAULTLINE_TOXIPROXY_PORT'),
    )
    .action(async (flags: InfraFlags) => setExit(await infraUp(flags)));
  infraOptions(infra.command('down').description('stop the services')).action(async (flags: InfraFlags) =>
    setExit(await infraDown(flags)),
  );
  infraOptions(infra.command('status').description('health of each service')).action(
    async (flags: InfraFlags) => setExit(await infraStatusCommand(flags)),
  );

  const images = program.command('images').description('container images for running under Docker');
  images
    .command('build')
    .description('build the images (cached); with --offline, build their base images here too')
    .option('--offline', 'no image registry: base images from debootstrap, npm, Maven Central and Go')
    .option('--only <list>', `comma-separated images (${Object.keys(IMAGES).join(', ')})`)
    .action(async (flags: ImagesBuildFlags) => setExit(await imagesBuildCommand(flags)));

  const model = program.command('model').description("the workloads' scoring models");
  model
    .command('train')
    .description(
      'train a model (own logistic regression, or H2O GLM / GBM), export it, print validation figures',
    )
    .requiredOption('--workload <name>', `workload (${workloadNames().join(', ')})`)
    .addOption(
      new Option('--trainer <name>', 'who builds the model').choices([...MODEL_TRAINERS]).default('own'),
    )
    .option(
      '--out <file>',
      "artefact file (default: own → the workload's model in scenarios/workloads/models/; H2O → results/models/<workload>-<trainer>.model.json, MOJO beside it)",
    )
    .option('--seed <n>', 'seed for the split and the data', integer, 1)
    .addOption(new Option('--data <file>', 'data file (titanic.csv)').env('FAULTLINE_TITANIC_CSV'))
    .option('--json', 'print the metrics as JSON')
    .action(async (flags: ModelTrainFlags) => setExit(await modelTrainCommand(flags)));
  model
    .command('validate')
    .description(
      "score the validation split through the engines' path and compare with H2O's own predictions",
    )
    .requiredOption('--model <file>', 'model artefact written by `faultline model train`')
    .addOption(new Option('--data <file>', 'data file (titanic.csv)').env('FAULTLINE_TITANIC_CSV'))
    .option('--json', 'print the comparison as JSON')
    .action(async (flags: ModelValidateFlags) => setExit(await modelValidateCommand(flags)));

  program
    .command('run')
    .description('run one scenario against one engine and check its guarantee')
    .requiredOption('--engine <name>', `engine (${engineNames().join(', ')})`)
    .option('--scenario <name|file.yaml>', 'catalogue scenario or your own file', 'steady')
    .addOption(new Option('--guarantee <g>', 'delivery guarantee').choices([...GUARANTEES]))
    .option('--workload <name>', `workload (${workloadNames().join(', ')}); default: the scenario's`)
    .addOption(
      new Option('--topology <t>', "operator graph; default: the scenario's (chain)").choices([
        ...TOPOLOGIES,
      ]),
    )
    .option('--rate <n>', 'events per second (open loop)', number)
    .option('--duration <s>', 'measured seconds after warm-up', number)
    .option('--warmup <s>', 'warm-up seconds, excluded from the figures', number)
    .option('--drain <s>', 'longest wait for late outputs after the load', number)
    .option('--seed <n>', 'run seed', integer)
    .option('--out <dir>', 'results root (default: results/)')
    .addOption(new Option('--data <file>', 'data file (titanic.csv)').env('FAULTLINE_TITANIC_CSV'))
    .option('--model <file>', "model artefact (default: the workload's trained model)")
    .option(
      '-o, --option <key=value>',
      'engine option, repeatable (e.g. -o messageTimeoutS=3)',
      engineOption,
      {},
    )
    .addOption(
      new Option('--provider <name>', 'where services and workers run')
        .choices([...PROVIDERS])
        .default('local'),
    )
    .option('--cpus <n>', 'docker: CPUs for all the engine containers together (split evenly)', number)
    .option(
      '--cpu-profile',
      "profile every node worker (V8 --cpu-prof) and the harness into the run's profiles/, and print each one's hottest functions",
    )
    .option('--json', 'print summary.json on stdout')
    .action(async (flags: RunFlags) => setExit(await runCommand(flags)));

  program
    .command('matrix')
    .description('run a benchmark matrix (engines × guarantees × scenarios × repeats), then write its report')
    .argument('<name|file.yaml>', 'quick, full, or your own matrix file')
    .option('--repeat <n>', 'repeats per cell', integer)
    .option('--out <dir>', 'matrix folder; an existing one is resumed (finished cells are skipped)')
    .option('--no-report', 'do not write report.html / report.md at the end')
    .option('--verbose', "show every run's deploy and cleanup")
    .option('--providers <list>', "comma-separated providers (local, docker); default: the matrix file's")
    .option(
      '--model <file>',
      "model artefact every cell scores with (default: the matrix file's, else the workload's)",
    )
    .action(async (name: string, flags: MatrixFlags) => setExit(await matrixCommand(name, flags)));

  program
    .command('soak')
    .description(
      'many short runs under random fault schedules from seeded RNGs (resumable); violations are replayable and shrunk',
    )
    .requiredOption('--engine <name>', `engine (${engineNames().join(', ')})`)
    .addOption(
      new Option('--guarantee <g>', "guarantee to check (default: the engine's)").choices([...GUARANTEES]),
    )
    .requiredOption('--schedules <n>', 'number of runs, each with its own schedule', integer)
    .option('--seed <n>', 'schedule i is drawn from seed + i', integer, 1)
    .option('--duration <s>', 'measured seconds per run (faults start in the first 60 %)', seconds, 20)
    .option(
      '--tail <s>',
      'seconds of load added after that, without new faults (time to measure the last recoveries)',
      secondsOrZero,
      0,
    )
    .option('--kinds <list>', `fault kinds to draw from (default ${SOAK_KINDS.join(',')})`)
    .option('--max-faults <n>', 'at most this many faults per schedule', integer, 4)
    .option(
      '--shrink-runs <n>',
      'runs spent shrinking each violation (0: none)',
      integer,
      DEFAULT_SHRINK_RUNS,
    )
    .option('--scenario <name|file.yaml>', 'base scenario: load, warm-up, engine options', 'steady')
    .option('--rate <n>', "events per second (default: the base scenario's)", number)
    .option('--warmup <s>', "warm-up seconds (default: the base scenario's)", number)
    .option('-o, --option <key=value>', 'engine option, repeatable', engineOption, {})
    .option('--out <dir>', 'soak folder; an existing one is resumed (finished runs are skipped)')
    .option('--verbose', "show every run's deploy and cleanup")
    .action(async (flags: SoakFlags) => setExit(await soakCommand(flags)));

  program
    .command('bench')
    .description(
      'sustainable throughput per engine and workload (backlog and latency bounded; the rate where half the repeated runs pass, with its band), the limits (harness alone, parallel passthrough) and latency at 50 % of it',
    )
    .option('--engines <list>', 'comma-separated engines (variants: name:key=value)', 'passthrough')
    .option('--workloads <list>', 'comma-separated workloads', 'transactions,titanic')
    .addOption(new Option('--guarantee <g>', 'delivery guarantee').choices([...GUARANTEES]))
    .option(
      '--start-rate <n>',
      'the rate the climb starts from after the low-load reference, events/s (the search climbs a ~1.2 × grid from it until a step fails, bisects, then repeats the band)',
      number,
      BENCH_DEFAULTS.startRate,
    )
    .option(
      '--reference-rate <n>',
      `the low-load reference, events/s: every entry's first step, whose latency sets its bounds (default: ${BENCH_DEFAULTS.referenceRate}, or the start rate where lower)`,
      number,
    )
    .option('--max-rate <n>', 'highest step, events/s', number, BENCH_DEFAULTS.maxRate)
    .option('--step <s>', 'measured seconds per step', number, BENCH_DEFAULTS.stepS)
    .option(
      '--warmup <s>',
      `warm-up seconds before each step (default: ${BENCH_DEFAULTS.warmupS}, the JVM engines ${JVM_BENCH_WARMUP_S})`,
      number,
    )
    .option(
      '--half-warmup <s>',
      `warm-up seconds before each run at 50 %, the engines' start-up excluded (default: ${BENCH_DEFAULTS.halfWarmupS}, the JVM engines ${JVM_BENCH_WARMUP_S})`,
      number,
    )
    .option(
      '--repeats <n>',
      'runs of each rate in the band where verdicts turn, in all (odd: the ½ crossing has no ties)',
      number,
      BENCH_DEFAULTS.repeats,
    )
    .option('--half-runs <n>', 'runs at 50 % of the sustainable rate', number, BENCH_DEFAULTS.halfRuns)
    .option(
      '--broker-warmup <s>',
      'seconds of the harness alone at 5 × the start rate before the first step, not judged (0: none)',
      number,
      BENCH_DEFAULTS.brokerWarmupS,
    )
    .option(
      '--steal-rerun <percent>',
      `a run with this share of the machine's CPU time stolen by the hypervisor or more is not counted and runs again once the host reads quiet, at most ${QUIET_HOST.reruns}× (the low-load reference: from ${REFERENCE_QUIET.stealShare * 100} % or this share if lower, at most ${REFERENCE_QUIET.reruns}×; 100: never)`,
      number,
      QUIET_HOST.stealShare * 100,
    )
    .option('--no-limits', 'do not add the harness-only pipe and the parallel passthrough')
    .option(
      '--interleave',
      "run every entry's search at once, the entries taking turns run by run: a change of the host reaches them alike",
    )
    .option('--out <dir>', 'results root (default: results/)')
    .option('-o, --option <key=value>', 'engine option, repeatable', engineOption, {})
    .option('--verbose', "show every step's deploy and cleanup")
    .option('--json', 'print bench.json on stdout')
    .action(async (flags: BenchFlags) => setExit(await benchCommand(flags)));

  registerReportCommand(program, setExit);
  registerCompareCommand(program, setExit);

  const list = program.command('list').description('what faultline knows');
  list.command('engines').action(() => {
    for (const name of engineNames()) {
      const e = getEngine(name);
      console.log(
        `${name.padEnd(20)} ${e.guarantees.join(', ').padEnd(40)} ${e.topologies.join(', ').padEnd(15)} ${e.description}`,
      );
    }
  });
  list.command('scenarios').action(() => {
    for (const name of catalogNames()) console.log(`${name.padEnd(20)} ${loadScenario(name).description}`);
  });
  list.command('workloads').action(() => console.log(workloadNames().join('\n')));
  list.command('faults').action(() => {
    const width = Math.max(...faultKindNames().map((n) => n.length));
    for (const name of faultKindNames()) {
      const k = FAULT_KINDS[name]!;
      console.log(`${name.padEnd(width)}  ${k.targets.padEnd(7)}  ${k.description}`);
    }
  });
  return program;
}

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
}

/** `20`, `20s`, `500ms`, `2m`. */
function seconds(value: string): number {
  const n = parseSeconds(value);
  if (!(n > 0)) throw new InvalidArgumentError('a positive duration like 20, 20s, 500ms or 2m');
  return n;
}

function secondsOrZero(value: string): number {
  const n = parseSeconds(value);
  if (!(n >= 0)) throw new InvalidArgumentError('a duration like 0, 10, 10s or 500ms');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
  return n;
}

function engineOption(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value');
  const raw = value.slice(eq + 1);
  const asNumber = Number(raw);
  const parsed =
    raw === 'true'
      ? true
      : raw === 'false'
        ? false
        : raw !== '' && Number.isFinite(asNumber)
          ? asNumber
          : raw;
  return { ...previous, [value.slice(0, eq)]: parsed };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('a port is an integer 1..65535');
  return n;
}
