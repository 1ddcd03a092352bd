import { join, resolve } from 'node:path';
import { freePort } from './free-port';
import { buildWithNx } from './nx-build';
import { ManagedProcess } from './managed-process';
import { waitFor } from './wait-for';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const RELAY_MAIN = join(REPO_ROOT, 'apps', 'host-relay', 'dist', 'main.js');

/** Where the relay finds NATS: a NatsHarness, or anything with a URL (credentials default to the dev ones). */
export interface RelayNats {
  url: string;
  envFor?: (user: 'host-relay') => Record<string, string>;
}

export interface RelayHarnessOptions {
  nats: RelayNats;
  /** Port for HTTP and the WebSocket; a free one by default. */
  port?: number;
  /** Browser origins allowed to open `/ws` and pass CORS (RELAY_ALLOWED_ORIGINS); the relay's defaults otherwise. */
  allowedOrigins?: string[];
  /** Any further environment, e.g. `{ RELAY_WS_RATE_PER_SEC: '5' }` or `{ LOG_LEVEL: 'debug' }`. */
  env?: Record<string, string>;
  /** Also wait until `/readyz` says ready (services answering), not just until it serves HTTP. */
  waitForReady?: boolean;
  /** How long to wait for it to come up (ms). */
  timeout?: number;
}

/** Builds host-relay and the libraries it runs on through Nx (cached), so no test runs a stale relay. */
export function ensureRelayBuilt(): void {
  buildWithNx(['host-relay'], ['apps/host-relay/dist/main.js']);
}

/**
 * The built host-relay (`apps/host-relay/dist/main.js`) as a child process on a free port,
 * connected to the given NATS as user `host-relay`. Used by the relay's own integration tests,
 * component-web's and the end-to-end tests.
 *
 *   const relay = await RelayHarness.start({ nats });
 *   await fetch(`${relay.url}/api/ping`);
 *   new WebSocket(relay.wsUrl, { origin: relay.allowedOrigins[0] });
 */
export class RelayHarness {
  private proc?: ManagedProcess;
  /** Kills the child if the test process exits without stop() (e.g. a hook timed out). */
  private readonly killOnExit = () => this.proc?.child.kill('SIGKILL');

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
    readonly allowedOrigins: string[],
  ) {}

  static async start(options: RelayHarnessOptions): Promise<RelayHarness> {
    ensureRelayBuilt();
    const port = options.port ?? (await freePort());
    const natsEnv = options.nats.envFor ? options.nats.envFor('host-relay') : { NATS_URL: options.nats.url };
    const allowedOrigins = options.allowedOrigins ?? ['http://localhost:4010', 'http://localhost:3001', 'http://127.0.0.1:4010', 'http://127.0.0.1:3001'];
    const env: Record<string, string> = {
      ...natsEnv,
      RELAY_PORT: String(port),
      RELAY_HOST: '127.0.0.1',
      RELAY_ALLOWED_ORIGINS: allowedOrigins.join(','),
      ...options.env,
    };
    const harness = new RelayHarness(port, env, allowedOrigins);
    await harness.startProcess(options.timeout ?? 20_000);
    if (options.waitForReady) {
      try {
        await harness.waitForReady(options.timeout ?? 20_000);
      } catch (err) {
        await harness.stop();
        throw new Error(`${(err as Error).message}\n--- host-relay ---\n${harness.logs(20)}`);
      }
    }
    return harness;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  /** The relay process's pid (to watch its memory or liveness). */
  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  /** The relay's recent log lines (JSON), for failure messages. */
  logs(n = 40): string {
    return this.proc?.tail(n) ?? '';
  }

  /** Every log line kept so far (the last 400). */
  get logLines(): readonly string[] {
    return this.proc?.lines ?? [];
  }

  private async startProcess(timeout: number): Promise<void> {
    const proc = ManagedProcess.start('host-relay', process.execPath, [RELAY_MAIN], this.env, REPO_ROOT);
    this.proc = proc;
    process.once('exit', this.killOnExit);
    try {
      await waitFor(
        async () => {
          if (!proc.running) throw new Error(`host-relay exited:\n${proc.tail()}`);
          return (await fetch(`${this.url}/healthz`)).ok;
        },
        { timeout, what: `host-relay on :${this.port}` },
      );
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Waits until `/readyz` answers 200 (NATS connected, api-service and auth-service answering). */
  async waitForReady(timeout = 20_000): Promise<void> {
    await waitFor(async () => (await fetch(`${this.url}/readyz`)).ok, { timeout, interval: 250, what: 'host-relay /readyz' });
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    process.off('exit', this.killOnExit);
  }

  /** Stops and starts the relay on the same port with the same settings. */
  async restart(timeout = 20_000): Promise<void> {
    await this.stop();
    await this.startProcess(timeout);
  }
}
