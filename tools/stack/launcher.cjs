// Starts the parts of stack.cjs as child processes: ports resolved (standard, or free ones for
// tests), each part's environment computed from the definition, dependencies first, every
// instance waited for until its health probe passes. A part with `balance` that runs replicas gets
// them on internal ports and HAProxy (stack.LOAD_BALANCER) on its public port. The handle stops,
// starts and restarts single parts (outage tests) and describes what runs where (`describe()`, the CLI's JSON).
//
// Two ways to run: tests (default) get a scratch run — the inherited stack settings stripped, state
// in the run's folder, fresh secrets; `userEnv` (npm start, the serve targets) is the user's run —
// their environment applies and wins, parts keep their state where they always do, and a
// cross-reference is set only where the part's own default would be wrong (moved ports, replicas),
// so that the parts' .env files still apply.
'use strict';
const { spawn } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const stack = require('./stack.cjs');
const { natsSettings } = require(path.join(stack.ROOT, 'infra/nats/index.cjs'));
const { haproxyConfig } = require(path.join(stack.ROOT, 'infra/haproxy/index.cjs'));

/** Inherited settings a started part must not see: it gets only what the definition gives it. */
const STRIPPED = /^(NATS_(?!SERVER_BIN)|AUTH_|AUTH0_|OIDC_|AUDIT_|DRAIN_|DEV_IDP_|RELAY_|STREAMLIT_|COMPONENT_|APP_BASE_URL$|INSTANCE_ID$|LOG_LEVEL$)/;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** 'free', 'standard' or an object; `fixed` ports (parts running elsewhere, a port a test chose) win. */
async function resolvePorts(ports, fixed = {}) {
  let out;
  if (ports === 'free') {
    out = {};
    for (const key of Object.keys(stack.PORT_VARIABLES)) out[key] = fixed[key] ?? (await freePort());
  } else if (ports === 'standard' || ports === undefined) out = stack.portsFrom(process.env);
  else out = { ...stack.STANDARD_PORTS, ...ports };
  return { ...out, ...fixed };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One running process of a part (`ports`: the ones it listens on itself). */
class Instance {
  constructor(part, id, argv, env, logFile, ports, echo) {
    this.part = part;
    this.id = id;
    this.ports = ports;
    this.logFile = logFile;
    this.lines = [];
    this.child = spawn(argv[0], argv.slice(1), { cwd: stack.ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const log = createWriteStream(logFile, { flags: 'a' });
    const keep = (chunk) => {
      log.write(chunk);
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        this.lines.push(line);
        if (this.lines.length > 400) this.lines.shift();
        echo?.(id, line);
      }
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    // 'close': exited AND its output drained, so the log file is complete when a stop returns.
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        log.end();
        this.exitCode = code;
        resolve(code ?? signal);
      }),
    );
    this.running = true;
    this.exited.then(() => (this.running = false));
  }

  get pid() {
    return this.child.pid;
  }

  tail(n = 40) {
    return this.lines.slice(-n).join('\n');
  }

  /** SIGTERM (SIGCONT first: a paused process cannot handle it), then SIGKILL after `graceMs`. */
  async stop(signal = 'SIGTERM', graceMs = 10_000) {
    if (!this.running) return;
    const send = (sig) => {
      try {
        process.kill(this.child.pid, sig);
      } catch {
        // gone already
      }
    };
    send('SIGCONT');
    send(signal);
    let timer;
    const timedOut = await Promise.race([this.exited.then(() => false), new Promise((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (timedOut) {
      send('SIGKILL');
      await this.exited;
    }
  }
}

class PortInUse extends Error {}

/**
 * A running stack. `up()` builds one; `describe()` is the JSON the CLI prints; `stopPart`,
 * `startPart`, `restartPart`, `addReplica` change one part; `down()` stops everything.
 */
class Stack {
  constructor({ ports, runId, dataDir, env, partEnv, replicas, log, userEnv = false, echo }) {
    this.ports = ports;
    this.userEnv = userEnv;
    this.echo = echo;
    // The marker every process of the run carries (processesOfRun): a caller's own wins in a user run.
    this.marker = (userEnv && process.env.AUTH_BUS_RUN_ID) || runId;
    this.instancePorts = new Map(); // instance id → its own ports (replicas behind the load balancer)
    this.runId = runId;
    this.dataDir = dataDir;
    this.extraEnv = env;
    this.partEnv = partEnv;
    this.replicas = replicas;
    this.log = log;
    this.instances = new Map(); // part name → Instance[]
    this.secrets = {};
    const settings = natsSettings({ ...process.env, ...env });
    this.ctxBase = {
      ports,
      dataDir,
      natsSettings: settings,
      passwords: Object.fromEntries(Object.entries(stack.NATS_USERS).map(([user, variable]) => [user, settings[variable]])),
      secret: (name, hexLength) => (this.secrets[name] ??= (userEnv && process.env[name]) || randomBytes(hexLength / 2).toString('hex')),
      stateDir: (name) => (userEnv ? undefined : path.join(dataDir, name)),
    };
  }

  ctx(instance) {
    const own = this.instancePorts.get(instance);
    return { ...this.ctxBase, instance, ports: { ...this.ports, ...own }, behindLoadBalancer: Boolean(own), loadBalancer: this.loadBalancer };
  }

  /** How many instances of `part` this run starts. */
  count(part) {
    return this.replicas[part.name] ?? part.replicas ?? 1;
  }

  /** Whether `part`'s instances sit behind the load balancer (a `balance` part with replicas). */
  balanced(part) {
    return Boolean(part.balance) && this.count(part) > 1;
  }

  /**
   * The environment of one instance. Scratch run: the inherited one without stack settings, the
   * cross-references, the part's own, the caller's. User run: the cross-references its defaults
   * would get wrong and the part's own, under the user's environment, then the caller's. Last, in
   * both, the ports the instance itself listens on.
   */
  envOf(part, instanceId) {
    const ctx = this.ctx(instanceId);
    const own = Object.fromEntries(Object.entries(part.env(ctx)).filter(([, v]) => v !== undefined));
    const listens = Object.fromEntries((part.ports ?? []).map((role) => [stack.PORT_VARIABLES[role][0], String(ctx.ports[role])]));
    const caller = { ...this.extraEnv, ...(this.partEnv[part.name] ?? {}) };
    if (this.userEnv) {
      return { ...this.neededCrossReferences(ctx.ports), ...own, ...process.env, ...caller, ...listens, AUTH_BUS_RUN_ID: this.marker };
    }
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STRIPPED.test(k)));
    if (base.NODE_ENV === 'production') base.NODE_ENV = 'test'; // dev-idp refuses to run in production
    return { ...base, ...this.crossReferences(), ...own, ...caller, ...listens, AUTH_BUS_RUN_ID: this.marker };
  }

  /**
   * A user run sets the port variables, and a cross-reference only where the part's own default
   * (which follows the port variables it sees) would differ: moved ports, or a replica on an
   * internal port whose public URL is the load balancer's.
   */
  neededCrossReferences(instancePorts) {
    const wanted = stack.crossReferences(this.ports);
    const standard = stack.crossReferences(stack.STANDARD_PORTS);
    const seen = stack.crossReferences(instancePorts);
    return Object.fromEntries(Object.entries(wanted).filter(([key, value]) => key.endsWith('_PORT') || value !== standard[key] || value !== seen[key]));
  }

  /**
   * Where the parts find each other. A run of `only` some parts knows just the ports it was given
   * and its own: a reference to any other part's port is left out (the part's default applies)
   * rather than pointed at a port nothing listens on.
   */
  crossReferences() {
    const all = stack.crossReferences(this.ports);
    if (!this.knownRoles) return all;
    const elsewhere = Object.fromEntries(Object.entries(this.ports).map(([role, port]) => [role, this.knownRoles.has(role) ? port : port + 1]));
    const moved = stack.crossReferences(elsewhere);
    return Object.fromEntries(Object.entries(all).filter(([key, value]) => moved[key] === value));
  }

  /**
   * Bus services run replicas (`api-service-1`, `api-service-2` …, the INSTANCE_ID, unless the
   * caller sets INSTANCE_ID for a single one); other parts one instance.
   */
  instanceId(part, n) {
    const given = this.partEnv[part.name]?.INSTANCE_ID ?? this.extraEnv.INSTANCE_ID;
    if (given && this.count(part) === 1) return given;
    return part.subjects || this.count(part) > 1 ? `${part.name}-${n}` : part.name;
  }

  async startInstance(part, id, timeoutMs = 90_000) {
    if (part.entry && !existsSync(path.join(stack.ROOT, part.entry))) {
      throw new Error(`${part.entry} is missing: build it first (npx nx run ${part.project}:build)`);
    }
    if (this.balanced(part) && !this.instancePorts.has(id)) {
      const own = {};
      for (const role of part.ports ?? []) own[role] = await freePort();
      this.instancePorts.set(id, own);
    }
    const env = { ...this.envOf(part, id), ...(part.subjects ? { INSTANCE_ID: id } : {}) };
    const ctx = this.ctx(id);
    const instance = new Instance(part, id, part.command(ctx), env, path.join(this.dataDir, `${id}.log`), Object.fromEntries((part.ports ?? []).map((r) => [r, ctx.ports[r]])), this.echo);
    const list = this.instances.get(part.name) ?? [];
    this.instances.set(part.name, [...list.filter((i) => i.id !== id), instance]);
    const started = Date.now();
    for (;;) {
      if (!instance.running) {
        const logs = instance.tail();
        if (/EADDRINUSE|address already in use/i.test(logs)) throw new PortInUse(`${id}: port in use`);
        throw new Error(`${id} exited before it was healthy:\n${logs}`);
      }
      if (await part.health(ctx)) break;
      if (Date.now() - started > timeoutMs) {
        await instance.stop('SIGKILL');
        throw new Error(`${id} not healthy after ${timeoutMs / 1000}s:\n${instance.tail()}`);
      }
      await sleep(100);
    }
    instance.healthyAt = Date.now();
    this.log(`${id} healthy after ${((instance.healthyAt - started) / 1000).toFixed(1)} s`);
    return instance;
  }

  /** Starts `names` (dependencies first unless `only`, independent parts side by side). */
  async startParts(names, only = false) {
    const done = new Set();
    const order = only ? stack.withDependencies(names).filter((n) => names.includes(n)) : stack.withDependencies(names);
    while (done.size < order.length) {
      const ready = order.filter((n) => !done.has(n) && stack.PARTS_BY_NAME[n].dependsOn.every((d) => done.has(d) || !order.includes(d)));
      await Promise.all(
        ready.map(async (name) => {
          const part = stack.PARTS_BY_NAME[name];
          await Promise.all(Array.from({ length: this.count(part) }, (_, i) => this.startInstance(part, this.instanceId(part, i + 1))));
          done.add(name);
        }),
      );
    }
    await this.startLoadBalancer(order);
  }

  /** HAProxy on the public ports of the `balance` parts of `names` that run replicas (none: nothing). */
  async startLoadBalancer(names) {
    const balanced = names.map((n) => stack.PARTS_BY_NAME[n]).filter((p) => this.balanced(p));
    if (!balanced.length) return;
    const frontends = balanced.map((part) => {
      const role = part.ports[0];
      const servers = (this.instances.get(part.name) ?? []).map((i) => ({ name: i.id, port: i.ports[role] }));
      return { name: part.name, port: this.ports[role], check: part.balance.check, servers };
    });
    const configFile = path.join(this.dataDir, 'haproxy.cfg');
    writeFileSync(configFile, haproxyConfig({ frontends, stats: { port: this.ports.loadBalancerStats } }));
    this.loadBalancer = { configFile, backends: frontends.map((f) => f.name) };
    await this.startInstance(stack.LOAD_BALANCER, stack.LOAD_BALANCER.name);
  }

  part(name) {
    const part = name === stack.LOAD_BALANCER.name ? stack.LOAD_BALANCER : stack.PARTS_BY_NAME[name];
    if (!part) throw new Error(`unknown part "${name}"`);
    return part;
  }

  /** Stops every instance of `name` (or the one with id `name`); `signal` SIGKILL for a crash; SIGKILL after `graceMs`. */
  async stopPart(name, signal = 'SIGTERM', graceMs = 10_000) {
    const targets = [...this.instances.values()].flat().filter((i) => i.part.name === name || i.id === name);
    if (!targets.length) throw new Error(`nothing named "${name}" runs`);
    await Promise.all(targets.map((i) => i.stop(signal, graceMs)));
  }

  /** Starts the stopped instances of `name` again, on the same ports with the same settings. */
  async startPart(name) {
    const targets = [...this.instances.values()].flat().filter((i) => (i.part.name === name || i.id === name) && !i.running);
    if (!targets.length) throw new Error(`no stopped instance of "${name}"`);
    for (const i of targets) await this.startInstance(i.part, i.id);
  }

  async restartPart(name) {
    await this.stopPart(name);
    await this.startPart(name);
  }

  /** One more replica of a bus service (the load balancer's replicas are fixed at start). */
  async addReplica(name) {
    const part = this.part(name);
    if (part.balance) throw new Error(`${name} runs behind the load balancer: start it with --replicas ${name}=N instead`);
    const n = (this.instances.get(name) ?? []).length + 1;
    await this.startInstance(part, `${name}-${n}`);
  }

  /** What runs where, and the settings a client needs (NATS URL and passwords, issuer, audience). */
  describe() {
    const refs = stack.crossReferences(this.ports);
    const parts = {};
    for (const [name, list] of this.instances) {
      const part = this.part(name);
      parts[name] = {
        where: part.where(this.ports),
        ports: Object.fromEntries((part.ports ?? []).map((k) => [k, this.ports[k]])),
        instances: list.map((i) => ({ id: i.id, pid: i.pid, running: i.running, exitCode: i.exitCode ?? null, ports: i.ports, log: i.logFile })),
      };
    }
    return {
      runId: this.runId,
      pid: process.pid,
      dataDir: this.dataDir,
      ports: this.ports,
      parts,
      env: {
        ...refs,
        AUTH_AUDIENCE: stack.API_AUDIENCE,
        ...Object.fromEntries(Object.entries(stack.NATS_USERS).map(([user, variable]) => [variable, this.ctxBase.passwords[user]])),
      },
    };
  }

  async down({ keepData = false } = {}) {
    await Promise.all([...this.instances.values()].flat().map((i) => i.stop()));
    if (!keepData && this.ownDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Starts `parts` (default: all) with their dependencies. `ports`: 'free' (tests), 'standard'
 * (default; the *_PORT variables apply) or an object; `replicas`: `{ 'api-service': 3 }`;
 * `env`: settings for every part; `partEnv`: `{ 'dev-idp': { DEV_IDP_ACCESS_TOKEN_TTL: '1' } }`;
 * `only`: start just `parts`, not what they depend on (that runs elsewhere, at `fixedPorts`).
 * With free ports, a part that finds its port taken restarts the whole run on new ports.
 */
async function up({ ports = 'standard', fixedPorts = {}, parts, only = false, replicas = {}, env = {}, partEnv = {}, dataDir, log = () => undefined, attempts = 3, userEnv = false, echo } = {}) {
  const names = parts?.length ? parts : stack.PARTS.map((p) => p.name);
  for (let attempt = 1; ; attempt++) {
    const runId = randomUUID();
    const dir = dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'auth-bus-stack-'));
    mkdirSync(dir, { recursive: true });
    const run = new Stack({ ports: await resolvePorts(ports, fixedPorts), runId, dataDir: dir, env, partEnv, replicas, log, userEnv, echo });
    if (only && !userEnv) run.knownRoles = new Set([...Object.keys(fixedPorts), ...names.flatMap((n) => stack.PARTS_BY_NAME[n]?.ports ?? [])]);
    run.ownDataDir = !dataDir;
    try {
      await run.startParts(names, only);
      return run;
    } catch (err) {
      await run.down();
      if (!(err instanceof PortInUse) || ports !== 'free' || attempt >= attempts) throw err;
      log(`${err.message}: starting again on other ports`);
    }
  }
}

module.exports = { up, freePort, Stack };
