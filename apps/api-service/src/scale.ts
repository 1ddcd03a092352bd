import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * `npm run scale:api -- 3` (or `nx run api-service:scale 3`): starts N more api-service replicas
 * next to whatever already runs. They join the same queue group, so NATS spreads requests over
 * all of them at once. Each gets its own INSTANCE_ID (`<prefix>-<n>`); the rest of the
 * environment is passed through (NATS_URL, AUTH_ISSUER, …). Their JSON log lines go to stdout.
 *
 * SIGINT/SIGTERM are forwarded: every replica drains (finishes what it holds) and exits, then
 * this process exits 0. A replica that dies on its own is restarted after a short pause.
 */

const MAX_REPLICAS = 32;

export interface ScaleOptions {
  replicas: number;
  prefix: string;
}

export function parseScaleArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ScaleOptions {
  const unknown = argv.filter((a) => a.startsWith('--') && !a.startsWith('--prefix='));
  if (unknown.length) throw new Error(`unknown option ${unknown[0]}`);
  const positional = argv.filter((a) => !a.startsWith('--'));
  if (positional.length > 1) throw new Error(`one replica count expected (got ${positional.join(' ')})`);
  const raw = positional[0] ?? env.API_REPLICAS ?? '1';
  const replicas = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    throw new Error(`replica count must be an integer from 1 to ${MAX_REPLICAS} (got "${raw}")`);
  }
  const prefixArg = argv.find((a) => a.startsWith('--prefix='));
  const prefix = prefixArg ? prefixArg.slice('--prefix='.length) : `api-service-${randomBytes(2).toString('hex')}`;
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(prefix)) throw new Error(`--prefix must be letters, digits, '.', '_' or '-' (got "${prefix}")`);
  return { replicas, prefix };
}

function log(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level: 'info', time: new Date().toISOString(), service: 'api-service-scale', ...fields, msg })}\n`);
}

export function runScale(options: ScaleOptions, mainJs = join(__dirname, 'main.js')): Promise<number> {
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  const start = (instance: string, restarts = 0): void => {
    // Own process group: Ctrl-C in a terminal signals the whole foreground group, and a replica
    // that got SIGINT from the terminal and then our SIGTERM treats the second as "exit now"
    // instead of draining. Only this supervisor forwards the stop, once.
    const child = spawn(process.execPath, [mainJs], { env: { ...process.env, INSTANCE_ID: instance }, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    children.set(instance, child);
    child.on('exit', (code, signal) => {
      children.delete(instance);
      if (stopping) {
        log('replica stopped', { instance, code, signal });
        if (children.size === 0) finish();
        return;
      }
      const delay = Math.min(1_000 * 2 ** restarts, 30_000);
      log('replica exited unexpectedly; restarting', { instance, code, signal, inMs: delay });
      setTimeout(() => !stopping && start(instance, restarts + 1), delay);
    });
  };

  let finish: () => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = () => resolve(0)));

  for (let i = 1; i <= options.replicas; i++) start(`${options.prefix}-${i}`);
  log(`started ${options.replicas} api-service replica(s)`, { instances: [...children.keys()] });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log('stopping replicas', { signal, replicas: children.size });
      if (children.size === 0) finish();
      for (const child of children.values()) child.kill('SIGTERM');
    });
  }
  return done;
}

if (require.main === module) {
  let options: ScaleOptions;
  try {
    options = parseScaleArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`scale:api: ${(err as Error).message}\nusage: npm run scale:api -- <replicas> [--prefix=<instance id prefix>]`);
    process.exit(2);
  }
  runScale(options).then((code) => process.exit(code));
}
