import { DevIdpHarness, ManagedProcess, NatsHarness, RelayHarness, ServicesHarness, type TokenResponse } from '@auth-bus/testing';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Outcome } from './measure';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');
/** The component frame's origin, allowed by the relays the suites start. */
export const ORIGIN = 'http://localhost:3001';

export interface StackOptions {
  apiReplicas?: number;
  relay?: boolean;
  relayEnv?: Record<string, string>;
  idpEnv?: Record<string, string>;
  env?: Record<string, string>;
  authEnv?: Record<string, string>;
  apiEnv?: Record<string, string>;
}

/**
 * The real system on free ports: nats-server with our config, dev-idp, auth-service,
 * api-service replicas and (optionally) host-relay — plus real tokens for alice and bob.
 */
export class Stack {
  relay?: RelayHarness;
  alice!: TokenResponse;
  bob!: TokenResponse;

  private constructor(
    readonly nats: NatsHarness,
    readonly idp: DevIdpHarness,
    readonly services: ServicesHarness,
  ) {}

  static async start(options: StackOptions = {}): Promise<Stack> {
    const nats = await NatsHarness.start();
    let idp: DevIdpHarness | undefined;
    let services: ServicesHarness | undefined;
    try {
      idp = await DevIdpHarness.start({ env: options.idpEnv });
      services = await ServicesHarness.start({
        nats,
        idp,
        apiReplicas: options.apiReplicas ?? 1,
        env: { DRAIN_TIMEOUT: '2s', AUDIT_FLUSH_TIMEOUT: '3s', ...options.env },
        authEnv: options.authEnv,
        apiEnv: options.apiEnv,
      });
      const stack = new Stack(nats, idp, services);
      if (options.relay) {
        stack.relay = await RelayHarness.start({ nats, allowedOrigins: [ORIGIN], env: { LOG_LEVEL: 'warn', ...options.relayEnv }, waitForReady: true });
      }
      [stack.alice, stack.bob] = await Promise.all([idp.tokenFor('alice'), idp.tokenFor('bob')]);
      return stack;
    } catch (err) {
      await services?.stop();
      await idp?.stop();
      await nats.dispose();
      throw err;
    }
  }

  /** The relay's process id (for RSS and liveness checks). */
  get relayPid(): number | undefined {
    return relayPid(this.relay);
  }

  logs(): string {
    return `${this.services.logs(20)}\n--- host-relay ---\n${this.relay?.logs(20) ?? ''}\n--- nats ---\n${this.nats.logs(10)}`;
  }

  async stop(): Promise<void> {
    await this.relay?.stop();
    await this.services.stop();
    await this.idp.stop();
    await this.nats.dispose();
  }
}

/** The relay's pid, to watch memory and liveness. */
export function relayPid(relay: RelayHarness | undefined): number | undefined {
  return relay?.pid;
}

export interface PythonLoad {
  proc: ManagedProcess;
  /** Resolves when the driver has finished, with every request it made. */
  done: Promise<{ outcomes: Outcome[]; summary: Record<string, unknown> }>;
}

/**
 * The Streamlit host's Python bus client under load (faults/py/bus_load.py), as a process:
 * resolves once it is connected and sending.
 */
export async function startPythonLoad(opts: { url: string; password: string; token: string; durationS: number; concurrency?: number; timeoutMs?: number }): Promise<PythonLoad> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: the Python venv is needed for the Python client load`);
  const proc = ManagedProcess.start(
    'py-load',
    PYTHON,
    [
      join(REPO_ROOT, 'faults', 'py', 'bus_load.py'),
      '--url',
      opts.url,
      '--password',
      opts.password,
      '--duration',
      String(opts.durationS),
      '--concurrency',
      String(opts.concurrency ?? 4),
      '--timeout-ms',
      String(opts.timeoutMs ?? 1500),
    ],
    { FAULTS_TOKEN: opts.token, PYTHONUNBUFFERED: '1' },
    REPO_ROOT,
  );
  const outcomes: Outcome[] = [];
  let summary: Record<string, unknown> = {};
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  let rest = '';
  proc.child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const rec = JSON.parse(line);
      if (rec.ready) readyResolve();
      else if (rec.done) summary = rec;
      else outcomes.push({ client: rec.client, startedAt: rec.at, durationMs: rec.ms, ok: rec.ok, code: rec.code, deadlineMs: rec.deadline_ms });
    }
  });
  const done = proc.waitForExit().then((code) => {
    if (code !== 0) throw new Error(`the Python load driver exited with ${code}:\n${proc.tail(30)}`);
    return { outcomes, summary };
  });
  await Promise.race([ready, done.then(() => undefined), new Promise((_, reject) => setTimeout(() => reject(new Error(`Python driver not ready:\n${proc.tail(20)}`)), 20_000))]);
  return { proc, done };
}
