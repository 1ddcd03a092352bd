import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { waitFor } from './wait-for';

// The harness runs NATS exactly as the serve target does, so it shares infra/nats's launcher.
// eslint-disable-next-line @typescript-eslint/no-require-imports, @nx/enforce-module-boundaries
const natsInfra = require('../../../infra/nats/index.cjs');

export type NatsUser = 'host-relay' | 'auth-service' | 'api-service' | 'streamlit-host' | 'audit-reader' | 'audit-writer' | 'revoker' | 'http-bridge';

const PASSWORD_VARS: Record<NatsUser, string> = {
  'host-relay': 'NATS_HOST_RELAY_PASSWORD',
  'auth-service': 'NATS_AUTH_SERVICE_PASSWORD',
  'api-service': 'NATS_API_SERVICE_PASSWORD',
  'streamlit-host': 'NATS_STREAMLIT_HOST_PASSWORD',
  'audit-reader': 'NATS_AUDIT_READER_PASSWORD',
  'audit-writer': 'NATS_AUDIT_WRITER_PASSWORD',
  revoker: 'NATS_REVOKER_PASSWORD',
  'http-bridge': 'NATS_HTTP_BRIDGE_PASSWORD',
};

/** A NATS user's password: the environment's, else the default in infra/nats/nats.env.sample. */
export function natsPassword(user: NatsUser): string {
  return natsInfra.natsSettings()[PASSWORD_VARS[user]];
}

/** The user's reply inbox prefix, as every client of the project sets it (`_INBOX_<user>`). */
export function natsInboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

/**
 * Environment of a service process connecting as `user`. auth-service also gets the password of
 * its second user, `audit-writer` (the AUDIT stream's connection).
 */
export function natsEnvFor(url: string, user: NatsUser): Record<string, string> {
  const env: Record<string, string> = { NATS_URL: url, NATS_USER: user, NATS_PASSWORD: natsPassword(user) };
  if (user === 'auth-service') env.NATS_AUDIT_WRITER_PASSWORD = natsPassword('audit-writer');
  return env;
}

/**
 * A real nats-server with the project's configuration (users, permissions, JetStream) on free
 * ports and a temporary store. `restart()` keeps the ports and the store, as a real restart does.
 */
export class NatsHarness {
  private proc?: ManagedProcess;

  private constructor(
    readonly port: number,
    readonly monitorPort: number,
    readonly storeDir: string,
  ) {}

  static async start(): Promise<NatsHarness> {
    const harness = new NatsHarness(await freePort(), await freePort(), mkdtempSync(join(tmpdir(), 'auth-bus-nats-')));
    await harness.startProcess();
    return harness;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get monitorUrl(): string {
    return `http://127.0.0.1:${this.monitorPort}`;
  }

  password(user: NatsUser): string {
    return natsPassword(user);
  }

  /** Environment for a service process connecting as `user`. */
  envFor(user: NatsUser): Record<string, string> {
    return natsEnvFor(this.url, user);
  }

  /** A client as `user`, with that user's inbox prefix (the only inboxes it may read). */
  connectAs(user: NatsUser, options: Record<string, unknown> = {}): Promise<NatsConnection> {
    return connect({ servers: this.url, user, pass: this.password(user), name: `test:${user}`, inboxPrefix: natsInboxPrefix(user), ...options });
  }

  /** The nats-server process id, while it runs (for memory readings). */
  get pid(): number | undefined {
    return this.proc?.running ? this.proc.child.pid : undefined;
  }

  logs(n = 40): string {
    return this.proc?.tail(n) ?? '';
  }

  private async startProcess(): Promise<void> {
    const { child } = natsInfra.spawnNats({
      port: this.port,
      monitorPort: this.monitorPort,
      storeDir: this.storeDir,
      serverName: `test-${this.port}`,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = new ManagedProcess('nats', child);
    await waitFor(async () => (await fetch(`${this.monitorUrl}/healthz?js-enabled-only=true`)).ok, { what: 'nats-server health' });
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }

  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await this.startProcess();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
