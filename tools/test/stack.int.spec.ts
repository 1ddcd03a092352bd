/**
 * The stack definition (tools/stack/stack.cjs) and its launcher CLI (tools/stack/cli.mjs) with
 * real parts on free ports: `up` prints where everything runs, parts can be stopped and started
 * again over --control, and `down RUN_ID` stops a run from another process.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const stack = require('../stack/stack.cjs');

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'tools/stack/cli.mjs');

describe('stack definition', () => {
  it('orders parts after what they depend on', () => {
    expect(stack.withDependencies(['auth-service'])).toEqual(['nats', 'dev-idp', 'auth-service']);
    expect(stack.withDependencies(['host-relay', 'nats'])).toEqual(['nats', 'host-relay']);
    expect(() => stack.withDependencies(['nope'])).toThrow(/unknown part "nope"/);
  });

  it('gives each bus client its own NATS user and password, auth-service also audit-writer’s', () => {
    const passwords = stack.natsPasswords({});
    const ctx = { ports: stack.STANDARD_PORTS, passwords, instance: 'x-1', dataDir: '/tmp/x', secret: () => 's' };
    const auth = stack.PARTS_BY_NAME['auth-service'].env(ctx);
    expect(auth).toEqual(expect.objectContaining({ NATS_USER: 'auth-service', NATS_PASSWORD: passwords['auth-service'], NATS_AUDIT_WRITER_PASSWORD: passwords['audit-writer'], INSTANCE_ID: 'x-1' }));
    for (const [part, user] of [['api-service', 'api-service'], ['host-relay', 'host-relay'], ['streamlit-app', 'streamlit-host']]) {
      expect(stack.PARTS_BY_NAME[part].env(ctx)).toEqual(expect.objectContaining({ NATS_USER: user, NATS_PASSWORD: passwords[user] }));
    }
  });
});

interface Description {
  runId: string;
  pid: number;
  stateFile: string;
  ports: Record<string, number>;
  parts: Record<string, { instances: Array<{ id: string; pid: number; running: boolean; log: string; ports: Record<string, number> }> }>;
  env: Record<string, string>;
  ok?: boolean;
  error?: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('stack CLI', () => {
  let child: ChildProcessWithoutNullStreams;
  let answers: AsyncIterator<string>;
  let first: Description;
  const stderr: string[] = [];
  const next = async (): Promise<Description> => JSON.parse((await answers.next()).value);

  beforeAll(async () => {
    child = spawn(process.execPath, [CLI, 'up', '--ports', 'free', '--parts', 'auth-service,api-service', '--replicas', 'api-service=2', '--env', 'LOG_LEVEL=warn', '--env', 'dev-idp:DEV_IDP_LOG_LEVEL=warn', '--no-build', '--control'], { cwd: ROOT });
    child.stderr.on('data', (d) => stderr.push(String(d)));
    answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    first = await next();
  }, 120_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });

  it('prints what runs where: ports, instances, the env a client needs', async () => {
    expect(Object.keys(first.parts).sort()).toEqual(['api-service', 'auth-service', 'dev-idp', 'nats']);
    expect(first.parts['api-service'].instances.map((i) => i.id)).toEqual(['api-service-1', 'api-service-2']);
    expect(first.env.NATS_URL).toBe(`nats://127.0.0.1:${first.ports.nats}`);
    expect(first.env.AUTH_ISSUER).toBe(`http://localhost:${first.ports.devIdp}/`);
    expect(first.env.NATS_STREAMLIT_HOST_PASSWORD).toEqual(expect.any(String));
    expect(existsSync(first.stateFile)).toBe(true);
    const discovery = await fetch(`${first.env.DEV_IDP_ISSUER}.well-known/openid-configuration`);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(first.env.DEV_IDP_ISSUER);
    expect(await stack.busServiceUp(first.ports, 'api-service', 'api-service-2', ['api.ping'])).toBe(true);
  });

  it('stops one instance and starts it again (same ports, same settings)', async () => {
    child.stdin.write('stop api-service-2 SIGKILL\n');
    const stopped = await next();
    expect(stopped.ok).toBe(true);
    expect(stopped.parts['api-service'].instances.find((i) => i.id === 'api-service-2')?.running).toBe(false);
    expect(await stack.busServiceUp(first.ports, 'api-service', 'api-service-1', ['api.ping'])).toBe(true);

    child.stdin.write('start api-service-2\n');
    const started = await next();
    expect(started.ok).toBe(true);
    expect(await stack.busServiceUp(first.ports, 'api-service', 'api-service-2', ['api.ping'])).toBe(true);

    child.stdin.write('start nope\n');
    expect(await next()).toEqual({ ok: false, error: expect.stringMatching(/nope/) });
  }, 120_000);

  it('`down RUN_ID` stops every process of the run', async () => {
    const pids = Object.values(first.parts).flatMap((p) => p.instances.map((i) => i.pid));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const down = spawn(process.execPath, [CLI, 'down', first.runId], { cwd: ROOT });
    let downErr = '';
    down.stderr.on('data', (d) => (downErr += String(d)));
    const status = await new Promise((resolve) => down.once('exit', resolve));
    expect({ status, stderr: downErr }).toEqual({ status: 0, stderr: '' });
    await exited;
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(first.stateFile)).toBe(false);
  }, 90_000);
});

describe('stack CLI with replicas behind the load balancer', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const haproxy = require('../../infra/haproxy/index.cjs');
  let child: ChildProcessWithoutNullStreams;
  let answers: AsyncIterator<string>;
  let first: Description & { parts: Record<string, { instances: Array<{ id: string; ports: Record<string, number> }> }> };
  const next = async (): Promise<Description> => JSON.parse((await answers.next()).value);
  const stats = () => haproxy.serverStats(`http://127.0.0.1:${first.ports.loadBalancerStats}/stats;csv`);

  beforeAll(async () => {
    child = spawn(process.execPath, [CLI, 'up', '--ports', 'free', '--parts', 'host-relay', '--replicas', 'host-relay=2', '--env', 'LOG_LEVEL=warn', '--no-build', '--control'], { cwd: ROOT });
    answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    first = (await next()) as typeof first;
  }, 120_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });

  it('runs each replica on its own internal port and HAProxy on the public one, round robin over both', async () => {
    const relays = first.parts['host-relay'].instances;
    expect(relays.map((i) => i.id)).toEqual(['host-relay-1', 'host-relay-2']);
    const own = relays.map((i) => i.ports.hostRelay);
    expect(new Set([...own, first.ports.hostRelay]).size).toBe(3);
    expect(first.parts['load-balancer'].instances.map((i) => i.id)).toEqual(['load-balancer']);
    const before = await stats();
    for (let i = 0; i < 6; i++) expect((await fetch(`http://127.0.0.1:${first.ports.hostRelay}/healthz`)).status).toBe(200);
    const after = await stats();
    const served = after['host-relay'].map((s: { name: string; sessions: number }) => s.sessions - before['host-relay'].find((b: { name: string }) => b.name === s.name).sessions);
    expect(served).toEqual([3, 3]);
  });

  it('keeps answering when a replica dies (retried on the other), marks it DOWN, and refuses `add` for a balanced part', async () => {
    child.stdin.write('stop host-relay-1 SIGKILL\n');
    expect((await next()).ok).toBe(true);
    for (let i = 0; i < 6; i++) expect((await fetch(`http://127.0.0.1:${first.ports.hostRelay}/healthz`)).status).toBe(200);
    for (let i = 0; i < 50; i++) {
      if ((await stats())['host-relay'].find((s: { name: string }) => s.name === 'host-relay-1').status.startsWith('DOWN')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await stats())['host-relay'].map((s: { name: string; status: string }) => `${s.name} ${s.status}`)).toEqual(['host-relay-1 DOWN', 'host-relay-2 UP']);
    child.stdin.write('add host-relay\n');
    expect(await next()).toEqual({ ok: false, error: expect.stringMatching(/load balancer/) });
    child.stdin.write('start host-relay-1\n');
    expect((await next()).ok).toBe(true);
  }, 60_000);
});
