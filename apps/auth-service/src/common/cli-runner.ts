import { envList, envString, type Env } from '@auth-bus/service-kit/config';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line a tool cannot run (unknown flag, bad value): printed with the usage, exit code 2. */
export class CliUsageError extends Error {
  readonly code = 'USAGE';
}

/** What every command-line tool takes besides its own flags. */
const COMMON_FLAGS = {
  server: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type CliFlags = NonNullable<ParseArgsConfig['options']>;
type CliParseConfig<F extends CliFlags> = { args: string[]; strict: true; allowPositionals: false; options: F & typeof COMMON_FLAGS };

/**
 * `util.parseArgs`, strict and without positionals, with `flags` plus `--server` and `--help`;
 * a command line it cannot read is a CliUsageError.
 */
export function parseCliFlags<const F extends CliFlags>(argv: string[], flags: F): ReturnType<typeof parseArgs<CliParseConfig<F>>>['values'] {
  try {
    const config: CliParseConfig<F> = { args: argv, strict: true, allowPositionals: false, options: { ...flags, ...COMMON_FLAGS } };
    return parseArgs(config).values;
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

/** The NATS servers a tool connects to: `--server a,b`, else $NATS_URL, else nats://127.0.0.1:$NATS_PORT (4222). */
export function cliServers(server: string | undefined, env: Env): string[] {
  if (server) return server.split(',').map((s) => s.trim());
  return envList(env, 'NATS_URL', [`nats://127.0.0.1:${envString(env, 'NATS_PORT', '4222')}`]);
}

export type CliLine = (line: string) => void;

/**
 * Reads a tool's command line with `parse`. A usage error: the message and `usage` on `err`,
 * exit code 2. `--help` (or whatever `wantsUsage` says needs the usage text): `usage` on `out`,
 * exit code 0. Otherwise the options.
 */
export function readCommandLine<O extends { help: boolean }>(
  tool: string,
  usage: string,
  parse: () => O,
  { out, err }: { out: CliLine; err: CliLine },
  wantsUsage: (options: O) => boolean = (options) => options.help,
): O | number {
  let options: O;
  try {
    options = parse();
  } catch (e) {
    if (!(e instanceof CliUsageError)) throw e;
    err(`${tool}: ${e.message}\n\n${usage}`);
    return 2;
  }
  if (!wantsUsage(options)) return options;
  out(usage);
  return 0;
}

/**
 * Runs a tool as the process's main module with the command line's arguments and one line per
 * write to stdout/stderr, and exits with its code. A closed stdout (`| head`) ends it quietly;
 * an unexpected error is one line on stderr (`detail`: its message, or its stack), exit code 1.
 */
export function runCliMain(tool: string, run: (argv: string[], out: CliLine, err: CliLine) => Promise<number>, detail: 'message' | 'stack' = 'message'): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  run(
    process.argv.slice(2),
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  ).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`${tool}: ${(e as Error)?.[detail] ?? e}\n`);
      process.exit(1);
    },
  );
}
