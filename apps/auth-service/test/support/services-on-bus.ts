import { BusClient } from '@auth-bus/service-kit/client';
import { DevIdpHarness, NatsHarness, ServicesHarness, type DevIdpHarnessOptions, type NatsUser, type ServicesHarnessOptions } from '@auth-bus/testing';
import type { NatsConnection } from 'nats';

export interface ServicesOnBusOptions {
  /** dev-idp's options (e.g. its env). */
  idp?: DevIdpHarnessOptions;
  /** The services to start (besides the NATS server and dev-idp they use). */
  services: Omit<ServicesHarnessOptions, 'nats' | 'idp'>;
  /** The NATS users the suite speaks as: one connection each, opened once everything runs. */
  clients: NatsUser[];
  /** How long starting may take (ms). */
  startTimeoutMs?: number;
}

/**
 * What the auth-service integration suites run on: a real nats-server, the real dev-idp, the
 * built services trusting it, and a client connection per NATS user the suite speaks as.
 * `forSuite` starts it all before the file's tests and stops it all after them; the parts are
 * there once `beforeAll` has run.
 */
export class ServicesOnBus {
  nats!: NatsHarness;
  idp!: DevIdpHarness;
  services!: ServicesHarness;
  private readonly connections = new Map<NatsUser, NatsConnection>();
  private readonly buses = new Map<NatsUser, BusClient>();

  private constructor(private readonly options: ServicesOnBusOptions) {}

  static forSuite(options: ServicesOnBusOptions): ServicesOnBus {
    const stack = new ServicesOnBus(options);
    beforeAll(() => stack.start(), options.startTimeoutMs ?? 120_000);
    afterAll(() => stack.stop(), 60_000);
    return stack;
  }

  /** The Streamlit host's connection (`streamlit-host`) and its BusClient. */
  get host(): NatsConnection {
    return this.connection('streamlit-host');
  }
  get hostBus(): BusClient {
    return this.bus('streamlit-host');
  }

  /** The relay's connection (`host-relay`) and its BusClient. */
  get relay(): NatsConnection {
    return this.connection('host-relay');
  }
  get relayBus(): BusClient {
    return this.bus('host-relay');
  }

  /** The read-only audit reader's connection (`audit-reader`). */
  get reader(): NatsConnection {
    return this.connection('audit-reader');
  }

  connection(user: NatsUser): NatsConnection {
    const nc = this.connections.get(user);
    if (!nc) throw new Error(`no connection as ${user}: add it to the suite's clients`);
    return nc;
  }

  bus(user: NatsUser): BusClient {
    let bus = this.buses.get(user);
    if (!bus) this.buses.set(user, (bus = new BusClient(this.connection(user))));
    return bus;
  }

  /** Stops every service and starts them again with the same options (every process new). */
  async restartServices(): Promise<void> {
    await this.services.stop();
    this.services = await ServicesHarness.start({ nats: this.nats, idp: this.idp, ...this.options.services });
  }

  private async start(): Promise<void> {
    this.nats = await NatsHarness.start();
    this.idp = await DevIdpHarness.start(this.options.idp);
    this.services = await ServicesHarness.start({ nats: this.nats, idp: this.idp, ...this.options.services });
    const opened = await Promise.all(this.options.clients.map((user) => this.nats.connectAs(user)));
    this.options.clients.forEach((user, i) => this.connections.set(user, opened[i]));
  }

  /** Closes the connections and stops what started (also after a failed start). */
  private async stop(): Promise<void> {
    await Promise.all([...this.connections.values()].map((nc) => nc.close()));
    await this.services?.stop();
    await this.idp?.stop();
    await this.nats?.dispose();
  }
}
