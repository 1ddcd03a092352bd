import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorize, clientCredentialsToken, freePort, waitFor } from '@auth-bus/testing';
import WebSocket from 'ws';

/**
 * Every command of the README's tables, run in a short form the way a user types it, against the
 * real system started with the README's own `npx nx run-many --target=serve` on free ports (so it
 * runs beside `npm start` and the e2e test). One system is shared by the checks that need it.
 * The first test reads the README: a command there without a check below fails it, so when a
 * README command changes, this file changes with it.
 */
// The launcher `npm start` runs (tools/ is not an npm package, hence require).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const system = require('../dev/system.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const haproxy = require('../../infra/haproxy/index.cjs');

const ROOT: string = system.ROOT;
const SCRATCH = mkdtempSync(join(tmpdir(), 'readme-commands-'));
const KEYS_DIR = join(SCRATCH, 'dev-idp-keys');
const REAL_KEYS_DIR = join(ROOT, 'apps/dev-idp/.keys');
const SCHEMAS_DIR = join(ROOT, 'streamlit-app/src/streamlit_auth0_bus/schemas');
const RUN_ID = randomUUID();

/** The command (first cell, in backticks) of every row of every table in README.md. */
function readmeTableCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return readme
    .split('\n')
    .map((line) => /^\|\s*`([^`]+)`\s*\|/.exec(line)?.[1])
    .filter((cell): cell is string => !!cell && /^(npm|npx|nx|node|docker|\.ci)\b/.test(cell));
}

/** The README command each check below runs (exactly as the README writes it). */
const CHECKED = {
  audit: 'npm run audit -- --since 10m [--user SUB] [--kind KIND] [--follow] [--json]',
  scale: 'npm run scale:api -- 3',
  revoke: 'npm run revoke -- --user SUB',
  bench: 'npm run bench [-- --quick]',
  faults: 'npm run test:faults [-- --list]',
  contracts: 'npm run contracts:export',
  rotateKeys: 'npx nx run dev-idp:rotate-keys',
  generate: 'npx nx g api-service NAME [--dry-run]',
  serve: 'npx nx run-many --target=serve',
  replicas: 'npm start -- --replicas 2',
};
const timings: Array<{ command: string; ran: string; seconds: number }> = [];

let ports: Record<string, number>;
let env: NodeJS.ProcessEnv;
let serve: ReturnType<typeof spawn> | undefined;
let serveExited: Promise<number | null>;
const serveLines: string[] = [];

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (the way a user types it) and records how long it took. */
function run(readmeCommand: string, cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      timings.push({ command: readmeCommand, ran: [cmd, ...args].join(' '), seconds: (Date.now() - started) / 1000 });
      resolve({ code, stdout, stderr });
    });
  });
}

/** What went wrong, for an assertion message: the end of both streams. */
const tail = (r: Ran) => `exit ${r.code}\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`;

/** npm's own banner (`> pkg@version script`, `> command`) is not the command's output. */
const withoutNpmBanner = (stdout: string) => stdout.split('\n').filter((l) => l.trim() && !l.startsWith('> '));

async function connz(): Promise<Array<{ name?: string; subscriptions_list_detail?: Array<{ subject: string; qgroup?: string }> }>> {
  const res = await fetch(`http://127.0.0.1:${ports.natsMonitor}/connz?subs=detail&limit=1024`);
  return ((await res.json()) as { connections?: [] }).connections ?? [];
}

/** api-service connections that hold api.pong in the `api-service` queue group. */
async function apiReplicas(): Promise<string[]> {
  return (await connz())
    .filter((c) => (c.subscriptions_list_detail ?? []).some((s) => s.subject === 'api.pong' && s.qgroup === 'api-service'))
    .map((c) => c.name ?? '');
}

async function jwksKids(): Promise<string[]> {
  const res = await fetch(`http://localhost:${ports.devIdp}/.well-known/jwks.json`);
  return ((await res.json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
}

/** Files of a folder with size and time, to prove it was not touched. */
function snapshot(dir: string): string {
  if (!existsSync(dir)) return 'absent';
  return readdirSync(dir)
    .sort()
    .map((f) => {
      const s = statSync(join(dir, f));
      return `${f}:${s.size}:${s.mtimeMs}`;
    })
    .join('\n');
}

function contentHash(dir: string): string {
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).sort()) hash.update(f).update(readFileSync(join(dir, f)));
  return hash.digest('hex');
}

/** Whether host-relay opens its WebSocket for a page of `origin`. */
function relayAcceptsOrigin(origin: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://localhost:${ports.hostRelay}/ws`, { origin });
    ws.once('open', () => (ws.close(), resolve(true)));
    ws.once('unexpected-response', (req) => (req.destroy(), resolve(false)));
    ws.once('error', () => resolve(false));
  });
}

/** Processes still carrying this run's marker in their environment. */
const processesOfRun = (): number[] => system.processesOfRun(RUN_ID);

function killRun(): void {
  for (const pid of processesOfRun()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

beforeAll(async () => {
  const picked = new Set<number>();
  while (picked.size < 7) picked.add(await freePort());
  const [nats, natsMonitor, devIdp, hostRelay, componentWeb, streamlit, legacyApi] = [...picked];
  ports = { nats, natsMonitor, devIdp, hostRelay, componentWeb, streamlit, legacyApi };
  mkdirSync(KEYS_DIR, { recursive: true });
  env = {
    ...process.env,
    ...system.portVariables(ports),
    ...system.systemEnv(ports, {}),
    // Scratch state, so that nothing of a running `npm start` (or of the developer's) is touched.
    NATS_STORE_DIR: join(SCRATCH, 'nats'),
    DEV_IDP_KEYS_DIR: KEYS_DIR,
    DEV_IDP_PERSIST_STATE: 'false',
    COMPONENT_WEB_DATA_DIR: join(SCRATCH, 'component-web'),
    AUTH_BUS_RUN_ID: RUN_ID,
    NX_NO_CLOUD: 'true',
    NX_DAEMON: 'false',
    NX_TUI: 'false',
    FORCE_COLOR: '0',
  };

  // The README's command, in its own process group so that a Ctrl-C can be sent to all of it.
  const started = Date.now();
  serve = spawn('npx', ['nx', 'run-many', '--target=serve'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => serveLines.push(...chunk.toString().split('\n').filter(Boolean));
  serve.stdout!.on('data', keep);
  serve.stderr!.on('data', keep);
  serveExited = new Promise((resolve) => serve!.once('exit', (code) => resolve(code)));
  try {
    await system.waitHealthy({ ports, exited: serveExited, timeoutMs: 240_000 });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- last serve lines ---\n${serveLines.slice(-60).join('\n')}`);
  }
  timings.push({ command: CHECKED.serve, ran: 'npx nx run-many --target=serve (until every part is healthy)', seconds: (Date.now() - started) / 1000 });
}, 300_000);

afterAll(async () => {
  if (serve?.exitCode === null) {
    try {
      process.kill(-serve.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  killRun();
  rmSync(SCRATCH, { recursive: true, force: true });
  const width = Math.max(...timings.map((t) => t.ran.length));
  console.log(`README commands, short form, run time:\n${timings.map((t) => `  ${t.ran.padEnd(width)}  ${t.seconds.toFixed(1).padStart(6)} s`).join('\n')}`);
}, 60_000);

describe('every command in the README works', () => {
  it('has a check below for every command in the README tables', () => {
    const commands = readmeTableCommands();
    expect(commands.length).toBeGreaterThanOrEqual(Object.keys(CHECKED).length);
    expect(commands.filter((c) => !Object.values(CHECKED).includes(c))).toEqual([]);
    expect(Object.values(CHECKED).filter((c) => !commands.includes(c))).toEqual([]);
  });

  it(`${CHECKED.serve} on moved ports → the parts find each other there`, async () => {
    const web = `http://localhost:${ports.componentWeb}`;
    const idp = `http://localhost:${ports.devIdp}/`;
    // component-web sends a login to dev-idp, with its own callback (AUTH0_DOMAIN, APP_BASE_URL) …
    const login = await fetch(`${web}/auth/login`, { redirect: 'manual' });
    expect([302, 303, 307]).toContain(login.status);
    const to = new URL(login.headers.get('location') ?? '');
    expect(`${to.origin}${to.pathname}`).toBe(`${idp}authorize`);
    expect(to.searchParams.get('redirect_uri')).toBe(`${web}/auth/callback`);
    // … which dev-idp accepts (DEV_IDP_COMPONENT_WEB_REDIRECT_URIS): a login ends there with a code.
    const done = await authorize({ issuer: idp, email: 'alice@example.com', password: 'alice-password', redirectUri: `${web}/auth/callback` });
    expect(done.params.get('error')).toBeNull();
    expect(done.params.get('code')).toBeTruthy();
    // The frame may be embedded by the Streamlit page and talk to the relay (STREAMLIT_ORIGINS, RELAY_ORIGINS) …
    const csp = (await fetch(`${web}/streamlit`)).headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(new RegExp(`frame-ancestors[^;]*http://localhost:${ports.streamlit}`));
    expect(csp).toMatch(new RegExp(`connect-src[^;]*ws://localhost:${ports.hostRelay}`));
    // … and the relay lets that page in (in development any local port is welcome, issue 15),
    // while a page of another host still is not.
    expect(await relayAcceptsOrigin(`http://localhost:${ports.streamlit}`)).toBe(true);
    expect(await relayAcceptsOrigin('http://streamlit.example.com')).toBe(false);
  }, 60_000);

  it(`${CHECKED.audit} → valid JSON lines with the event of a call just made`, async () => {
    // A protected call through host-relay's gateway is audited as api.allowed (coalesced for 1 s).
    const { access_token } = await clientCredentialsToken({ issuer: `http://localhost:${ports.devIdp}/` });
    const pong = await fetch(`http://localhost:${ports.hostRelay}/api/pong`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(pong.status).toBe(200);
    let lines: string[] = [];
    let last: Ran | undefined;
    await waitFor(
      async () => {
        last = await run(CHECKED.audit, 'npm', ['run', 'audit', '--', '--since', '1m', '--json']);
        if (last.code !== 0) throw new Error(tail(last));
        lines = withoutNpmBanner(last.stdout);
        return lines.some((l) => l.includes('"api.allowed"'));
      },
      { timeout: 30_000, interval: 1_000, what: 'the api.allowed event in `npm run audit`' },
    );
    const events = lines.map((l) => JSON.parse(l) as { kind: string; at: string });
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(typeof e.kind).toBe('string');
      expect(Date.now() - Date.parse(e.at)).toBeLessThan(5 * 60_000);
    }
  }, 90_000);

  it(`${CHECKED.revoke} → that user's token is refused at once as revoked (issue 21)`, async () => {
    const { access_token } = await clientCredentialsToken({ issuer: `http://localhost:${ports.devIdp}/` });
    const pong = () => fetch(`http://localhost:${ports.hostRelay}/api/pong`, { headers: { authorization: `Bearer ${access_token}` } });
    expect((await pong()).status).toBe(200);
    const sub = JSON.parse(Buffer.from(access_token.split('.')[1], 'base64url').toString('utf8')).sub as string;
    const r = await run(CHECKED.revoke, 'npm', ['run', 'revoke', '--', '--user', sub, '--reason', 'readme smoke test']);
    expect(r.code).toBe(0);
    expect(withoutNpmBanner(r.stdout).join('\n')).toContain(`revoked every token of ${sub}`);
    const refused = await pong();
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { reason?: string } }).error.reason).toBe('revoked');
    // A revocation covers tokens issued in its second: later checks get their tokens after it.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  }, 90_000);

  it(`${CHECKED.scale} (with 1) → a replica joins the queue group and drains on Ctrl-C`, async () => {
    const before = await apiReplicas();
    expect(before).toEqual([expect.stringMatching(/^api-service:/)]);
    const started = Date.now();
    const scale = spawn('npm', ['run', 'scale:api', '--', '1', '--prefix=readme-smoke'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    scale.stdout.on('data', (d) => (output += d));
    scale.stderr.on('data', (d) => (output += d));
    const exited = new Promise<string>((resolve) => scale.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
    try {
      await waitFor(async () => (await apiReplicas()).length === 2, { timeout: 60_000, interval: 500, what: 'a second api-service in the queue group' });
      expect((await apiReplicas()).filter((name) => !before.includes(name))[0]).toMatch(/^api-service:readme-smoke-1/);
      process.kill(-scale.pid!, 'SIGINT'); // Ctrl-C: the whole foreground group
      // npm, like a shell, ends by the Ctrl-C it got once its script is done; the script drained and ended by itself.
      expect(['exit 0', 'SIGINT']).toContain(await exited);
      expect(output).toMatch(/"msg":"stopping replicas"/);
      expect(output).toMatch(/"instance":"readme-smoke-1","code":0[^\n]*"msg":"replica stopped"/);
      expect(output).not.toMatch(/restarting/);
      await waitFor(async () => (await apiReplicas()).length === 1, { timeout: 20_000, interval: 500, what: 'the replica gone from NATS' });
    } finally {
      try {
        process.kill(-scale.pid!, 'SIGKILL');
      } catch {
        // stopped already, as it should have
      }
      timings.push({ command: CHECKED.scale, ran: 'npm run scale:api -- 1 (join, then Ctrl-C)', seconds: (Date.now() - started) / 1000 });
    }
  }, 120_000);

  it(`${CHECKED.rotateKeys} → a new key in a scratch folder, served by the running dev-idp; the real folder untouched`, async () => {
    const realBefore = snapshot(REAL_KEYS_DIR);
    const kidsBefore = await jwksKids();
    const r = await run(CHECKED.rotateKeys, 'npx', ['nx', 'run', 'dev-idp:rotate-keys', '--outputStyle=static']);
    expect(r.code).toBe(0);
    const rotated = r.stdout.split('\n').find((l) => l.includes('"keys.rotated"'));
    expect(rotated).toBeDefined();
    expect(JSON.parse(rotated!).keys_dir).toBe(KEYS_DIR);
    await waitFor(async () => (await jwksKids()).length === kidsBefore.length + 1, { timeout: 15_000, interval: 250, what: 'the new key in the JWKS' });
    expect(await jwksKids()).toEqual(expect.arrayContaining(kidsBefore));
    expect(snapshot(REAL_KEYS_DIR)).toBe(realBefore);
  }, 120_000);

  it(`${CHECKED.generate} (--dry-run) → lists the new service's files and every file it wires it into; nothing written`, async () => {
    // The full run (build, tests, lint of the generated service) is tools/test/api-service-generator.int.spec.ts.
    const before = await run(CHECKED.generate, 'git', ['status', '--porcelain']);
    const r = await run(CHECKED.generate, 'npx', ['nx', 'g', 'api-service', 'readme-smoke', '--dry-run', '--no-interactive']);
    expect({ code: r.code, out: r.stdout.slice(-2000) }).toMatchObject({ code: 0 });
    for (const file of ['CREATE apps/readme-smoke-service/src/main.ts', 'CREATE apps/readme-smoke-service/src/readme-smoke/readme-smoke.controller.ts', 'UPDATE infra/nats/nats.conf', 'UPDATE tools/stack/stack.cjs', 'UPDATE libs/contracts/src/routes.ts']) {
      expect(r.stdout).toContain(file);
    }
    expect((await run(CHECKED.generate, 'git', ['status', '--porcelain'])).stdout).toBe(before.stdout);
  });

  it(`${CHECKED.contracts} → the exported JSON Schemas are the ones in the repository (no diff)`, async () => {
    const before = contentHash(SCHEMAS_DIR);
    const r = await run(CHECKED.contracts, 'npm', ['run', 'contracts:export']);
    expect(r.code).toBe(0);
    expect(readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
    expect(contentHash(SCHEMAS_DIR)).toBe(before);
    const diff = spawnSync('git', ['status', '--porcelain', '--', SCHEMAS_DIR], { cwd: ROOT, encoding: 'utf8' });
    expect(diff.stdout).toBe('');
  }, 120_000);

  it(`${CHECKED.serve} → every part healthy, then Ctrl-C stops all of it: no process left, every port free`, async () => {
    const readyAt = await system.waitHealthy({ ports, exited: serveExited, timeoutMs: 30_000 });
    expect(Object.keys(readyAt).sort()).toEqual(system.partsFor(ports).map((p: { name: string }) => p.name).sort());
    const started = Date.now();
    process.kill(-serve!.pid!, 'SIGINT');
    await serveExited;
    await waitFor(async () => processesOfRun().length === 0, { timeout: 20_000, interval: 250, what: 'every process of the serve run gone' }).catch(() => undefined);
    expect(processesOfRun()).toEqual([]);
    for (const port of Object.values(ports)) expect(await system.portInUse(port)).toBe(false);
    timings.push({ command: CHECKED.serve, ran: 'npx nx run-many --target=serve (Ctrl-C until all stopped)', seconds: (Date.now() - started) / 1000 });
  }, 60_000);

  it(`${CHECKED.replicas} on moved ports → two servers per front-end backend behind HAProxy, both serving; Ctrl-C stops all of it`, async () => {
    const picked = new Set<number>(Object.values(ports));
    const moved: Record<string, number> = {};
    for (const role of Object.keys(ports).concat('loadBalancerStats')) {
      let port = await freePort();
      while (picked.has(port)) port = await freePort();
      picked.add(port);
      moved[role] = port;
    }
    const runId = randomUUID();
    const scratch = join(SCRATCH, 'replicas');
    const startEnv = {
      ...env,
      ...system.portVariables(moved),
      ...system.systemEnv(moved, {}),
      NATS_STORE_DIR: join(scratch, 'nats'),
      DEV_IDP_KEYS_DIR: join(scratch, 'dev-idp-keys'),
      COMPONENT_WEB_DATA_DIR: join(scratch, 'component-web'),
      AUTH_BUS_RUN_ID: runId,
    };
    const started = Date.now();
    const start = spawn('npm', ['start', '--', '--replicas', '2', '--quiet'], { cwd: ROOT, env: startEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    start.stdout.on('data', (d) => (output += d));
    start.stderr.on('data', (d) => (output += d));
    const exited = new Promise<string>((resolve) => start.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
    try {
      await waitFor(async () => output.includes('Press Ctrl-C') || start.exitCode !== null, { timeout: 240_000, interval: 500, what: '`npm start -- --replicas 2` ready' });
      expect({ ready: output.includes('Press Ctrl-C'), out: output.slice(-3000) }).toEqual({ ready: true, out: expect.any(String) });
      expect(output).toMatch(/load-balancer\s+1\s+healthy/);
      expect(output).toMatch(/streamlit-app\s+2\s+healthy/);
      // Each front end answers on its public port, round robin over its two replicas.
      for (let i = 0; i < 4; i++) {
        expect((await fetch(`http://localhost:${moved.streamlit}/_stcore/health`)).status).toBe(200);
        expect((await fetch(`http://localhost:${moved.componentWeb}/api/health`)).status).toBe(200);
        expect((await fetch(`http://localhost:${moved.hostRelay}/healthz`)).status).toBe(200);
      }
      const stats = await haproxy.serverStats(`http://localhost:${moved.loadBalancerStats}/stats;csv`);
      for (const backend of ['streamlit-app', 'component-web', 'host-relay']) {
        expect(stats[backend].map((s: { name: string; status: string }) => `${s.name} ${s.status}`).sort()).toEqual([`${backend}-1 UP`, `${backend}-2 UP`]);
        for (const server of stats[backend]) expect(server.sessions).toBeGreaterThanOrEqual(2);
      }
      process.kill(-start.pid!, 'SIGINT'); // Ctrl-C: the whole foreground group
      expect(['exit 0', 'SIGINT']).toContain(await exited);
      await waitFor(async () => system.processesOfRun(runId).length === 0, { timeout: 20_000, interval: 250, what: 'every process of the run gone' }).catch(() => undefined);
      expect(system.processesOfRun(runId)).toEqual([]);
      for (const port of Object.values(moved)) expect(await system.portInUse(port)).toBe(false);
    } finally {
      for (const pid of system.processesOfRun(runId)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      timings.push({ command: CHECKED.replicas, ran: 'npm start -- --replicas 2 (until healthy, then Ctrl-C)', seconds: (Date.now() - started) / 1000 });
    }
  }, 300_000);

  it(`${CHECKED.faults} → names the long Jest runs and the Python fault tests`, async () => {
    const r = await run(CHECKED.faults, 'npm', ['run', 'test:faults', '--', '--list']);
    expect({ code: r.code, out: r.code === 0 ? '' : tail(r) }).toEqual({ code: 0, out: '' });
    expect(r.stdout).toMatch(/\.long\.spec\.ts/);
    expect(r.stdout).toMatch(/tests\/faults\/test_\w+\.py: \d+/);
  }, 120_000);

  it(`${CHECKED.bench} (--quick) → every scenario runs and the goal table is printed; bench/README.md left alone`, async () => {
    const readmeBefore = readFileSync(join(ROOT, 'bench/README.md'), 'utf8');
    const r = await run(CHECKED.bench, 'npm', ['run', 'bench', '--', '--quick']);
    expect({ code: r.code, out: r.code === 0 ? '' : tail(r) }).toEqual({ code: 0, out: '' });
    expect(r.stdout).toContain('| goal | measured | |');
    for (const goal of ['protected bus call p50 < 1 ms', 'protected/public throughput ≥ 0.8', 'host-relay /api/pong ≥ 10× baseline req/s', 'login-to-unlocked < 300 ms']) {
      expect(r.stdout).toContain(`| ${goal}`);
    }
    // Scenarios 1–4 measured something (5, the browser journey, is left out by --quick).
    for (const scenario of ['1. Python, protected call, sequential', '2. HTTP, 50 connections', '3. bus, api.pong, 50 in flight', '4. scaling, api.pong, 2 replica(s)']) {
      expect(r.stdout).toMatch(new RegExp(`\\| ${scenario.replace(/[().]/g, '\\$&')}[^\\n]*\\d+ req/s`));
    }
    expect(readFileSync(join(ROOT, 'bench/README.md'), 'utf8')).toBe(readmeBefore);
  }, 300_000);
});
