/**
 * The faultline CLI: parses arguments and calls the programmatic API. Errors become exit codes
 * (0 ok, 1 a check failed, 2 bad input, 3 the harness failed) and a message that says what to do.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { describeError, EXIT, isFaultlineError } from '../core/errors.ts';
import { type InfraFlags, infraDown, infraStatusCommand, infraUp } from './infra-command.ts';

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
  return program;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('a port is an integer 1..65535');
  return n;
}
