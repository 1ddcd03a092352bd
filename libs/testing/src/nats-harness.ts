import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { StackRun } from './stack-client';

/** The NATS users' development passwords (the file nats-server and the stack launcher read). */
const NATS_ENV_SAMPLE = join(resolve(__dirname, '..', '..', '..'), 'infra', 'nats', 'nats.env.sample');

/**
 * A NATS user of infra/nats/nats.conf (the list is `NATS_USERS` of `@auth-bus/service-kit/config`;
 * this library cannot import it — service-kit's own suites use this library — so it follows the
 * same naming rule and reads the passwords from infra/nats/nats.env.sample, the file both share).
 */
export type NatsUser = string;

/** `auth-service` → `NATS_AUTH_SERVICE_PASSWORD` (infra/nats's rule). */
const natsPasswordVar = (user: string): string => `NATS_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PASSWORD`;

/** The user's reply inbox prefix, as every client of the project sets it (`_INBOX_<user>`). */
export function natsInboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

/** A NATS user's password: the environment's, else the default in infra/nats/nats.env.sample. */
export function natsPassword(user: NatsUser): string {
  const variable = natsPasswordVar(user);
  if (process.env[variable] !== undefined) return process.env[variable]!;
  const sample = existsSync(NATS_ENV_SAMPLE) ? readFileSync(NATS_ENV_SAMPLE, 'utf8') : '';
  const found = new RegExp(`^\\s*${variable}\\s*=\\s*(.*?)\\s*$`, 'm').exec(sample);
  if (!found) throw new Error(`${variable} is neither set nor in ${NATS_ENV_SAMPLE}`);
  return found[1];
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
 * ports and a temporary store, as the stack launcher runs it (tools/stack/stack.cjs).
 * `restart()` keeps the ports and the store, as a real restart does.
 */
/**
 * What a test's NATS offers the project's users: passwords, a service process's environment and
 * clients with the user's own inbox prefix. `servers`: the client URLs a service is given.
 */
export abstract class NatsForUsers {
  protected abstract get servers(): string[];

  password(user: NatsUser): string {
    return natsPassword(user);
  }

  /** Environment for a service process connecting as `user` (every server URL). */
  envFor(user: NatsUser): Record<string, string> {
    return natsEnvFor(this.servers.join(','), user);
  }

  /** A client as `user` with that user's inbox prefix (the only inboxes it may read); it fails over between servers. */
  connectAs(user: NatsUser, options: Record<string, unknown> = {}): Promise<NatsConnection> {
    return connect({ servers: this.servers, user, pass: this.password(user), name: `test:${user}`, inboxPrefix: natsInboxPrefix(user), ...options });
  }
}

export class NatsHarness extends NatsForUsers {
  private constructor(private readonly run: StackRun) {
    super();
  }

  protected get servers(): string[] {
    return [this.url];
  }

  static async start(): Promise<NatsHarness> {
    return new NatsHarness(await StackRun.up({ parts: ['nats'] }));
  }

  get port(): number {
    return this.run.description.ports.nats;
  }

  get monitorPort(): number {
    return this.run.description.ports.natsMonitor;
  }

  /** The JetStream store (inside the launcher run's data folder, deleted by dispose()). */
  get storeDir(): string {
    return join(this.run.description.dataDir, 'nats');
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get monitorUrl(): string {
    return `http://127.0.0.1:${this.monitorPort}`;
  }

  /** The nats-server process id, while it runs (for memory readings). */
  get pid(): number | undefined {
    const instance = this.run.running ? this.run.instance('nats') : undefined;
    return instance?.running ? instance.pid : undefined;
  }

  logs(n = 40): string {
    return this.run.logLines('nats').slice(-n).join('\n');
  }

  async stop(): Promise<void> {
    if (this.run.running) await this.run.command('stop nats');
  }

  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await this.run.command('start nats');
  }

  async dispose(): Promise<void> {
    await this.run.down();
  }
}
