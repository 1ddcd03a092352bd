/**
 * auth-service and api-service for tests, as the stack launcher runs them (tools/stack/cli.mjs,
 * defined in tools/stack/stack.cjs; one launcher run per process) on a given NATS (NatsHarness) and identity provider (DevIdpHarness, or
 * anything with an issuer and audience), each replica with its own INSTANCE_ID.
 *
 *   const services = await ServicesHarness.start({ nats, idp, apiReplicas: 3 });
 *   services.api.map((r) => r.instance);        // ['api-1', 'api-2', 'api-3']
 *   await services.killApi('api-2');           // SIGKILL one replica
 *   await services.stopApi('api-3');           // SIGTERM: it drains, then exits
 *   await services.startApi();                 // one more replica
 *   await services.stop();                     // in afterAll
 *
 * - A service counts as started when NATS monitoring (`/connz`) shows its connection, named
 *   `<service>:<instance>`, holding all its subscriptions (for auth-service, also once the
 *   AUDIT stream exists), so a test can send requests at once.
 * - The child environment carries no inherited NATS_*, AUTH_*, AUTH0_*, OIDC_*, AUDIT_* or INSTANCE_ID: only
 *   what is given here (`env`, `authEnv`, `apiEnv` add or override settings).
 * - The services and the libraries they run on are built through Nx first (cached).
 * - Output is kept per process for failure reports (`logs()`: the launcher's log file of it).
 */
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { processAlive } from './managed-process';
import { StackRun } from './stack-client';
import { waitFor } from './wait-for';

export type BusServiceName = 'auth-service' | 'api-service';

/** Where the services find NATS: a NatsHarness (credentials from `envFor`, readiness from monitoring). */
export interface ServicesNats {
  url: string;
  monitorUrl: string;
  envFor?: (user: BusServiceName) => Record<string, string>;
}

/** Which tokens the services trust: a DevIdpHarness, or any issuer + audience. */
export interface ServicesIdp {
  issuer: string;
  audience: string;
  jwksUri?: string;
}

export interface ServicesHarnessOptions {
  nats: ServicesNats;
  idp: ServicesIdp;
  /** Start auth-service (default true). */
  auth?: boolean;
  /** api-service replicas to start (default 1). */
  apiReplicas?: number;
  /** Settings for every service, e.g. `{ LOG_LEVEL: 'debug', AUTH_CLOCK_TOLERANCE_SEC: '0' }`. */
  env?: Record<string, string>;
  authEnv?: Record<string, string>;
  apiEnv?: Record<string, string>;
  /** Instance id prefix (default `t<random>`): replicas are `<prefix>-auth`, `<prefix>-api-1`, … */
  prefix?: string;
  /** How long to wait for a service to be up (ms). */
  timeout?: number;
}

// OIDC_ISSUER and the Auth0 names are read by the services too (they take precedence over AUTH_ISSUER).
const STRIPPED_PREFIXES = ['NATS_', 'AUTH_', 'AUTH0_', 'OIDC_', 'AUDIT_', 'DRAIN_', 'INSTANCE_ID', 'LOG_LEVEL', 'DEV_IDP_'];

/** One running service process: a run of the stack launcher with this one instance. */
export class ServiceProcess {
  constructor(
    readonly service: BusServiceName,
    readonly instance: string,
    private readonly run: StackRun,
  ) {}

  /** The NATS connection name the service uses (`<service>:<instance>`). */
  get connectionName(): string {
    return `${this.service}:${this.instance}`;
  }

  get pid(): number | undefined {
    return this.run.instance(this.service).pid;
  }

  get running(): boolean {
    return this.run.running && processAlive(this.pid);
  }

  logs(n = 40): string {
    return this.run.logLines(this.service).slice(-n).join('\n');
  }

  /** SIGTERM (graceful drain), then SIGKILL after `graceMs`; resolves on exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    if (this.run.running) await this.run.command(`stop ${this.service} ${signal} ${graceMs}`);
  }

  kill(): Promise<void> {
    return this.stop('SIGKILL', 0);
  }

  /** Resolves with the exit code once the process has ended (null if a signal ended it). */
  async waitForExit(): Promise<number | null> {
    for (;;) {
      const d = this.run.running ? await this.run.command('describe') : this.run.description;
      const inst = d.parts[this.service]?.instances[0];
      if (!inst || !inst.running) return inst?.exitCode ?? null;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Ends the launcher run (after stop(): nothing left). */
  dispose(): Promise<void> {
    return this.run.down();
  }
}

const SUBJECTS_OF: Record<BusServiceName, string[]> = {
  'auth-service': ['auth.verify', 'auth.session.reported', 'auth.session.ended', 'audit.query'],
  'api-service': ['api.ping', 'api.pong', 'api.pong-scoped'],
};

interface Connz {
  connections?: Array<{ name?: string; subscriptions_list?: string[] }>;
}

export class ServicesHarness {
  auth?: ServiceProcess;
  private readonly apiReplicas = new Map<string, ServiceProcess>();
  /** auth-service processes replaced by a later startAuth (their launcher runs end in stop()). */
  private readonly retired: ServiceProcess[] = [];
  private nextApi = 1;
  private readonly timeout: number;
  readonly prefix: string;

  private constructor(private readonly options: ServicesHarnessOptions) {
    this.timeout = options.timeout ?? 30_000;
    this.prefix = options.prefix ?? `t${randomBytes(2).toString('hex')}`;
  }

  static async start(options: ServicesHarnessOptions): Promise<ServicesHarness> {
    const harness = new ServicesHarness(options);
    try {
      const starting: Array<Promise<unknown>> = [];
      if (options.auth !== false) starting.push(harness.startAuth());
      for (let i = 0; i < (options.apiReplicas ?? 1); i++) starting.push(harness.startApi());
      await Promise.all(starting);
    } catch (err) {
      await harness.stop();
      throw err;
    }
    return harness;
  }

  /** Running api-service replicas, in start order. */
  get api(): ServiceProcess[] {
    return [...this.apiReplicas.values()].filter((r) => r.running);
  }

  /** The environment a service process gets (without anything inherited that would change it). */
  envFor(service: BusServiceName, instance: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!STRIPPED_PREFIXES.some((p) => k.startsWith(p))) env[k] = v;
    return { ...env, ...this.settingsFor(service, instance) };
  }

  /** The settings this harness gives a service on top of the stack definition's (tools/stack/stack.cjs). */
  private settingsFor(service: BusServiceName, instance: string): Record<string, string> {
    const { nats, idp } = this.options;
    const out: Record<string, string | undefined> = {
      ...(nats.envFor ? nats.envFor(service) : { NATS_URL: nats.url }),
      AUTH_ISSUER: idp.issuer,
      AUTH_AUDIENCE: idp.audience,
      ...(idp.jwksUri ? { AUTH_JWKS_URI: idp.jwksUri } : {}),
      INSTANCE_ID: instance,
      LOG_LEVEL: 'info',
      ...this.options.env,
      ...(service === 'auth-service' ? this.options.authEnv : this.options.apiEnv),
    };
    return Object.fromEntries(Object.entries(out).filter((e): e is [string, string] => e[1] !== undefined));
  }

  /** The service as the stack launcher runs it (its command and health probe: subjects held, AUDIT stream there). */
  private async launch(service: BusServiceName, instance: string): Promise<ServiceProcess> {
    // NATS_URL is given (settingsFor; a cluster's is a list of servers); health reads one monitoring port.
    const monitor = new URL(this.options.nats.monitorUrl);
    const run = await StackRun.up({
      parts: [service],
      only: true,
      ports: { natsMonitor: Number(monitor.port) },
      env: { [service]: this.settingsFor(service, instance) },
      timeout: Math.max(this.timeout, 60_000),
    });
    return new ServiceProcess(service, instance, run);
  }

  async startAuth(instance = `${this.prefix}-auth`): Promise<ServiceProcess> {
    if (this.auth?.running) throw new Error('auth-service is already running');
    if (this.auth) this.retired.push(this.auth);
    const proc = await this.launch('auth-service', instance);
    this.auth = proc;
    return proc;
  }

  async startApi(instance = `${this.prefix}-api-${this.nextApi++}`): Promise<ServiceProcess> {
    const proc = await this.launch('api-service', instance);
    this.apiReplicas.set(instance, proc);
    return proc;
  }

  private replica(instance: string): ServiceProcess {
    const proc = this.apiReplicas.get(instance);
    if (!proc) throw new Error(`no api-service replica ${instance}`);
    return proc;
  }

  /** SIGTERM one replica (it drains, then exits). */
  stopApi(instance: string): Promise<void> {
    return this.replica(instance).stop('SIGTERM');
  }

  /** SIGKILL one replica (no drain). */
  killApi(instance: string): Promise<void> {
    return this.replica(instance).kill();
  }

  /** Whether NATS still lists the service's connection (false soon after a kill). */
  async isConnected(proc: ServiceProcess): Promise<boolean> {
    const connz = await this.connz();
    return (connz.connections ?? []).some((c) => c.name === proc.connectionName);
  }

  /** Waits until the service holds all its subscriptions (and, for auth-service, the AUDIT stream exists). */
  async waitUntilUp(proc: ServiceProcess, timeout = this.timeout): Promise<void> {
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`${proc.connectionName} exited:\n${proc.logs(30)}`);
        const connz = await this.connz();
        const conn = (connz.connections ?? []).find((c) => c.name === proc.connectionName);
        if (!conn || !SUBJECTS_OF[proc.service].every((s) => (conn.subscriptions_list ?? []).includes(s))) return false;
        return proc.service === 'api-service' || (await this.auditStreamExists());
      },
      { timeout, interval: 100, what: `${proc.connectionName} subscribed on the bus` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${proc.connectionName} ---\n${proc.logs(30)}`);
    });
  }

  private async connz(): Promise<Connz> {
    const res = await fetch(`${this.options.nats.monitorUrl}/connz?subs=1&limit=4096`);
    return (await res.json()) as Connz;
  }

  async auditStreamExists(): Promise<boolean> {
    const res = await fetch(`${this.options.nats.monitorUrl}/jsz?streams=true`);
    const body = (await res.json()) as { account_details?: Array<{ stream_detail?: Array<{ name: string }> }> };
    return (body.account_details ?? []).some((a) => (a.stream_detail ?? []).some((s) => s.name === 'AUDIT'));
  }

  /** The last lines of every service's output. */
  logs(n = 30): string {
    return [this.auth, ...this.apiReplicas.values()]
      .filter((p): p is ServiceProcess => !!p)
      .map((p) => `--- ${p.connectionName}${p.running ? '' : ' (exited)'} ---\n${p.logs(n)}`)
      .join('\n');
  }

  /** Stops every service (SIGTERM, then SIGKILL after a grace period). */
  async stop(): Promise<void> {
    const all = [...this.retired, this.auth, ...this.apiReplicas.values()].filter((p): p is ServiceProcess => !!p);
    await Promise.all(all.map(async (p) => (await p.stop('SIGTERM', 10_000), await p.dispose())));
  }
}

/** One message of the AUDIT stream, as stored. */
export interface StoredAuditMessage {
  seq: number;
  subject: string;
  msgId?: string;
  /** The body exactly as stored (to search for anything that must not be there). */
  raw: string;
  event: Record<string, any>;
}

/**
 * Every message of the AUDIT stream, oldest first, read with an ephemeral ordered consumer —
 * works as `audit-reader` (read-only) or `auth-service`. Empty if the stream holds nothing.
 */
export async function readAuditStream(nc: NatsConnection, stream = 'AUDIT'): Promise<StoredAuditMessage[]> {
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  const { state } = await jsm.streams.info(stream);
  const out: StoredAuditMessage[] = [];
  if (state.messages === 0) return out;
  const consumer = await nc.jetstream().consumers.get(stream, {});
  const messages = await consumer.consume({ max_messages: 500 });
  const timer = setTimeout(() => messages.stop(), 20_000);
  try {
    for await (const m of messages) {
      const raw = new TextDecoder().decode(m.data);
      out.push({ seq: m.seq, subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), raw, event: JSON.parse(raw) });
      if (m.info.pending === 0 || m.seq >= state.last_seq) break;
    }
  } finally {
    clearTimeout(timer);
    messages.stop();
    await consumer.delete().catch(() => undefined);
  }
  return out;
}

/** How many messages the AUDIT stream holds (0 if it does not exist). */
export async function auditStreamCount(nc: NatsConnection, stream = 'AUDIT'): Promise<number> {
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  try {
    return (await jsm.streams.info(stream)).state.messages;
  } catch {
    return 0;
  }
}
