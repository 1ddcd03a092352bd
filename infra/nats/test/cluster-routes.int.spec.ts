import { freePort, ManagedProcess, waitFor } from '@auth-bus/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const natsInfra = require('../index.cjs');

interface Node {
  proc: ManagedProcess;
  monitor: number;
  route: number;
  store: string;
}

/**
 * Cluster routes authenticate (infra/nats/nats-cluster.conf): a node that presents the cluster
 * credentials joins, one with the wrong password (or none) is refused.
 */
describe('NATS cluster routes', () => {
  const nodes: Node[] = [];

  async function start(name: string, route: number, peers: number[], env: Record<string, string> = {}): Promise<Node> {
    const [port, monitor] = [await freePort(), await freePort()];
    const store = mkdtempSync(join(tmpdir(), 'auth-bus-routes-'));
    const { child } = natsInfra.spawnNats({
      port,
      monitorPort: monitor,
      storeDir: store,
      serverName: name,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      cluster: { name: 'routes-test', listen: `127.0.0.1:${route}`, peers: peers.map((p) => `127.0.0.1:${p}`) },
    });
    const node = { proc: new ManagedProcess(`nats:${name}`, child), monitor, route, store };
    nodes.push(node);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${monitor}/varz`)).ok, { what: `${name} up` }).catch((err: Error) => {
      throw new Error(`${err.message}\n${node.proc.tail(20)}`);
    });
    return node;
  }

  async function routes(node: Node): Promise<number> {
    return ((await (await fetch(`http://127.0.0.1:${node.monitor}/routez`)).json()) as { num_routes: number }).num_routes;
  }

  afterAll(async () => {
    for (const n of nodes) {
      await n.proc.stop();
      rmSync(n.store, { recursive: true, force: true });
    }
  });

  it('admits a peer with the cluster credentials and refuses one without them', async () => {
    // (A clustered JetStream node needs at least one configured route, so r1 and r2 know each other.)
    const [r1, r2, r3] = [await freePort(), await freePort(), await freePort()];
    const first = await start('r1', r1, [r2]);
    const good = await start('r2', r2, [r1]);
    await waitFor(async () => ((await routes(first)) === 1 ? true : undefined), { timeout: 15_000, what: 'the authenticated route' });
    const bad = await start('r3', r3, [r1], { NATS_CLUSTER_PASSWORD: 'not-the-cluster-password' });
    await waitFor(async () => (bad.proc.lines.some((l) => /Authorization Violation/i.test(l)) ? true : undefined), { timeout: 15_000, what: 'the refusal of r3' });
    expect(await routes(first)).toBe(1);
    expect(await routes(bad)).toBe(0);
    expect(await routes(good)).toBe(1);
  }, 60_000);
});
