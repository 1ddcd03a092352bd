import { freePort } from './free-port';
import { processAlive } from './managed-process';
import { StackRun } from './stack-client';
import { waitFor } from './wait-for';

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

/**
 * host-relay as the stack launcher runs it (tools/stack/cli.mjs, defined in tools/stack/stack.cjs) on a free port,
 * connected to the given NATS as user `host-relay`. Used by the relay's own integration tests,
 * component-web's and the end-to-end tests.
 *
 *   const relay = await RelayHarness.start({ nats });
 *   await fetch(`${relay.url}/api/ping`);
 *   new WebSocket(relay.wsUrl, { origin: relay.allowedOrigins[0] });
 */
export class RelayHarness {
  private run?: StackRun;

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
    readonly allowedOrigins: string[],
  ) {}

  static async start(options: RelayHarnessOptions): Promise<RelayHarness> {
    const port = options.port ?? (await freePort());
    const natsEnv = options.nats.envFor ? options.nats.envFor('host-relay') : { NATS_URL: options.nats.url };
    const allowedOrigins = options.allowedOrigins ?? ['http://localhost:4010', 'http://localhost:3001', 'http://127.0.0.1:4010', 'http://127.0.0.1:3001'];
    const env: Record<string, string> = { ...natsEnv, RELAY_ALLOWED_ORIGINS: allowedOrigins.join(','), ...options.env };
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
    return !!this.run?.running && processAlive(this.pid);
  }

  /** The relay process's pid (to watch its memory or liveness). */
  get pid(): number | undefined {
    return this.run?.instance('host-relay').pid;
  }

  /** The relay's recent log lines (JSON), for failure messages. */
  logs(n = 40): string {
    return this.logLines.slice(-n).join('\n');
  }

  /** Every log line so far. */
  get logLines(): readonly string[] {
    return this.run?.logLines('host-relay') ?? [];
  }

  /** host-relay as the stack defines it (tools/stack/stack.cjs), on this port with these settings. */
  private async startProcess(timeout: number): Promise<void> {
    this.run = await StackRun.up({ parts: ['host-relay'], only: true, ports: { hostRelay: this.port }, env: { 'host-relay': this.env }, timeout: Math.max(timeout, 60_000) });
  }

  /** Waits until `/readyz` answers 200 (NATS connected, api-service and auth-service answering). */
  async waitForReady(timeout = 20_000): Promise<void> {
    await waitFor(async () => (await fetch(`${this.url}/readyz`)).ok, { timeout, interval: 250, what: 'host-relay /readyz' });
  }

  async stop(): Promise<void> {
    await this.run?.down();
  }

  /** Stops and starts the relay on the same port with the same settings. */
  async restart(timeout = 20_000): Promise<void> {
    if (this.run?.running) await this.run.command('restart host-relay', Math.max(timeout, 60_000));
    else await this.startProcess(timeout);
  }
}
