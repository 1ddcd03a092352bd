/**
 * A local 3-node nats-server cluster with JetStream, the way docker-compose.yml runs it (one
 * cluster name, every node routed to the others, distinct server names and stores), each node
 * started by infra/nats's launcher with the project's configuration, on free ports.
 *
 *   const cluster = await NatsClusterHarness.start();          // 3 nodes, JetStream meta leader elected
 *   services: ServicesHarness.start({ nats: cluster, … })      // NATS_URL lists every node
 *   const nc = await cluster.connectAs('streamlit-host');       // all three URLs: it fails over
 *   const pinned = await cluster.connectTo(2, 'audit-reader');  // one node only (reads "through node 3")
 *   cluster.nodeOf('auth-service:t1-auth');                     // index of the node a client is on
 *   await cluster.kill(0);                                      // SIGKILL one node; start(0) brings it back
 *   await cluster.dispose();                                    // in afterAll
 *
 * `monitorUrl` is a small local endpoint that merges the monitoring of the running nodes
 * (`/connz`: every node's connections; `/jsz`: every node's streams; anything else from the first
 * running node), so harnesses that read NATS monitoring (ServicesHarness) work unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { NatsForUsers, natsInboxPrefix, type NatsUser } from './nats-harness';
import { waitFor } from './wait-for';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const natsInfra = require('../../../infra/nats/index.cjs');

export interface NatsClusterOptions {
  /** Nodes (default 3). */
  size?: number;
  /** How long to wait for the nodes and the JetStream meta leader (ms). */
  timeout?: number;
}

/** One node of the cluster: fixed ports and store across restarts, like a real server. */
export class ClusterNode {
  proc?: ManagedProcess;

  constructor(
    readonly index: number,
    readonly name: string,
    readonly port: number,
    readonly monitorPort: number,
    readonly clusterPort: number,
    readonly storeDir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get monitorUrl(): string {
    return `http://127.0.0.1:${this.monitorPort}`;
  }

  get routeUrl(): string {
    return `nats://127.0.0.1:${this.clusterPort}`;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  logs(n = 40): string {
    return this.proc?.tail(n) ?? '';
  }
}

interface Connz {
  server_id?: string;
  num_connections?: number;
  connections?: Array<{ name?: string; subscriptions_list?: string[] } & Record<string, unknown>>;
}

interface Jsz {
  meta_cluster?: { leader?: string; cluster_size?: number; replicas?: Array<{ name: string; current: boolean; offline?: boolean }> };
  account_details?: Array<{ name?: string; stream_detail?: Array<{ name: string } & Record<string, unknown>> }>;
}

export class NatsClusterHarness extends NatsForUsers {
  private monitor?: Server;
  private monitorPort = 0;
  readonly clusterName = `faults-${randomBytes(3).toString('hex')}`;

  private constructor(readonly nodes: ClusterNode[]) {
    super();
  }

  /** A service is given every node, so it fails over when its node dies. */
  protected get servers(): string[] {
    return this.urls;
  }

  static async start(options: NatsClusterOptions = {}): Promise<NatsClusterHarness> {
    const size = options.size ?? 3;
    const nodes: ClusterNode[] = [];
    for (let i = 0; i < size; i++) {
      const port = await freePort();
      nodes.push(new ClusterNode(i, `n${i + 1}-${port}`, port, await freePort(), await freePort(), mkdtempSync(join(tmpdir(), `auth-bus-nats-cluster-${i + 1}-`))));
    }
    const cluster = new NatsClusterHarness(nodes);
    try {
      for (const node of nodes) cluster.spawn(node);
      await cluster.startMonitor();
      await cluster.waitForJetStream(options.timeout ?? 30_000);
    } catch (err) {
      await cluster.dispose();
      throw err;
    }
    return cluster;
  }

  /** Every node's client URL. */
  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  /** Every node's client URL, comma-separated (what NATS_URL takes). */
  get url(): string {
    return this.urls.join(',');
  }

  /** The merged monitoring endpoint (see the file comment). */
  get monitorUrl(): string {
    return `http://127.0.0.1:${this.monitorPort}`;
  }

  /** A client on one node only (no failover, no servers learnt from the cluster). */
  connectTo(index: number, user: NatsUser, options: Record<string, unknown> = {}): Promise<NatsConnection> {
    return connect({
      servers: this.nodes[index].url,
      user,
      pass: this.password(user),
      name: `test:${user}@${this.nodes[index].name}`,
      inboxPrefix: natsInboxPrefix(user),
      ignoreClusterUpdates: true,
      noRandomize: true,
      ...options,
    });
  }

  /** Index of the running node that holds the client connection named `name`, or -1. */
  async nodeOf(name: string): Promise<number> {
    for (const node of this.nodes) {
      if (!node.running) continue;
      const connz = await this.fetchJson<Connz>(node, '/connz?limit=4096').catch(() => undefined);
      if ((connz?.connections ?? []).some((c) => c.name === name)) return node.index;
    }
    return -1;
  }

  /** JetStream's view from a running node: the meta leader and the peers it knows. */
  async jsz(index?: number): Promise<Jsz> {
    const node = index === undefined ? this.nodes.find((n) => n.running) : this.nodes[index];
    if (!node) throw new Error('no node is running');
    return this.fetchJson<Jsz>(node, '/jsz');
  }

  /** Waits until every running node is healthy and agrees there is a JetStream meta leader. */
  async waitForJetStream(timeout = 30_000): Promise<void> {
    await waitFor(
      async () => {
        for (const node of this.nodes.filter((n) => n.running)) {
          const res = await fetch(`${node.monitorUrl}/healthz`);
          if (!res.ok) return false;
          const jsz = await this.fetchJson<Jsz>(node, '/jsz');
          if (!jsz.meta_cluster?.leader) return false;
        }
        return true;
      },
      { timeout, interval: 200, what: `nats cluster ${this.clusterName} with a JetStream meta leader` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.nodes.map((n) => `--- ${n.name} ---\n${n.logs(15)}`).join('\n')}`);
    });
  }

  /** SIGKILL one node (no goodbye to clients or peers). */
  async kill(index: number): Promise<void> {
    await this.nodes[index].proc?.kill();
  }

  /** SIGTERM one node. */
  async stop(index: number): Promise<void> {
    await this.nodes[index].proc?.stop();
  }

  /** Starts a stopped node again on its ports and store; resolves when it is healthy. */
  async start(index: number, timeout = 30_000): Promise<void> {
    const node = this.nodes[index];
    if (node.running) throw new Error(`${node.name} is already running`);
    this.spawn(node);
    await waitFor(async () => (await fetch(`${node.monitorUrl}/healthz`)).ok, { timeout, interval: 200, what: `${node.name} healthy again` });
  }

  logs(n = 30): string {
    return this.nodes.map((node) => `--- ${node.name}${node.running ? '' : ' (down)'} ---\n${node.logs(n)}`).join('\n');
  }

  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.proc?.stop()));
    await new Promise<void>((resolve) => (this.monitor ? this.monitor.close(() => resolve()) : resolve()));
    for (const node of this.nodes) rmSync(node.storeDir, { recursive: true, force: true });
  }

  private spawn(node: ClusterNode): void {
    // Routes authenticate (infra/nats/nats-cluster.conf); the launcher puts the credentials of
    // NATS_CLUSTER_USER/NATS_CLUSTER_PASSWORD into each peer's route URL, as docker-compose does.
    const peers = this.nodes.filter((n) => n !== node).map((n) => `127.0.0.1:${n.clusterPort}`);
    const { child } = natsInfra.spawnNats({
      port: node.port,
      monitorPort: node.monitorPort,
      storeDir: node.storeDir,
      serverName: node.name,
      stdio: ['ignore', 'pipe', 'pipe'],
      cluster: { name: this.clusterName, listen: `127.0.0.1:${node.clusterPort}`, peers },
    });
    node.proc = new ManagedProcess(`nats:${node.name}`, child);
  }

  private async fetchJson<T>(node: ClusterNode, path: string): Promise<T> {
    const res = await fetch(`${node.monitorUrl}${path}`);
    return (await res.json()) as T;
  }

  /** The merged monitoring endpoint over the running nodes. */
  private async startMonitor(): Promise<void> {
    const server = createServer((req, res) => {
      void (async () => {
        const path = req.url ?? '/';
        const running = this.nodes.filter((n) => n.running);
        let body: unknown;
        if (path.startsWith('/connz')) {
          const all = await Promise.all(running.map((n) => this.fetchJson<Connz>(n, path).catch(() => ({}) as Connz)));
          const connections = all.flatMap((c) => c.connections ?? []);
          body = { num_connections: connections.length, connections };
        } else if (path.startsWith('/jsz')) {
          const all = await Promise.all(running.map((n) => this.fetchJson<Jsz>(n, path).catch(() => ({}) as Jsz)));
          const streams = new Map<string, Record<string, unknown>>();
          for (const j of all) for (const a of j.account_details ?? []) for (const s of a.stream_detail ?? []) streams.set(s.name, s);
          body = { ...all[0], account_details: [{ name: '$G', stream_detail: [...streams.values()] }] };
        } else if (running[0]) {
          const r = await fetch(`${running[0].monitorUrl}${path}`);
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(await r.text());
          return;
        } else {
          res.writeHead(503).end('{"error":"no node is running"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      })().catch((err) => res.writeHead(500).end(JSON.stringify({ error: String(err) })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    this.monitor = server;
    this.monitorPort = (server.address() as AddressInfo).port;
  }
}
