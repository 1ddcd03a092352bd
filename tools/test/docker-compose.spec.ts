import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATS_USERS as NATS_USER_NAMES, natsPasswordVar } from '@auth-bus/service-kit/config';
import { parse } from 'yaml';

/**
 * There is no Docker engine here, so docker-compose.yml is checked statically: every build
 * context, Dockerfile target, command, port and variable must refer to something that exists.
 */
const ROOT = join(__dirname, '..', '..');
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true });
const services: Record<string, any> = compose.services;

/** `AUTH_BUS_ENV`, the one production switch of every part (docs/security.md). */
const EVERY_PART_VARS = new Set(['AUTH_BUS_ENV']);

/** Variables a part documents in its .env.sample (KEY=… or `# KEY=…` lines). */
function documentedVars(sample: string): Set<string> {
  const text = readFileSync(join(ROOT, sample), 'utf8');
  return new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
}

const ENV_SAMPLE: Record<string, string> = {
  'dev-idp': 'apps/dev-idp/.env.sample',
  'auth-service': 'apps/auth-service/.env.sample',
  'api-service': 'apps/api-service/.env.sample',
  'host-relay': 'apps/host-relay/.env.sample',
  'http-bridge': 'apps/http-bridge/.env.sample',
  'legacy-api': 'infra/bridge/legacy-api.env.sample',
  'component-web': 'apps/component-web/.env.sample',
  'streamlit-app': 'streamlit-app/.env.sample',
  nats: 'infra/nats/nats.env.sample',
};

/** The stack definition that `npm start`, the tests and the launcher CLI run (tools/stack/stack.cjs). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stack = require('../stack/stack.cjs');
interface StackPart {
  name: string;
  ports?: string[];
  /** false: listens on the internal network only (legacy-api, behind http-bridge). */
  published?: boolean;
  natsUser?: string;
  dependsOn: string[];
  balance?: { check: string };
}
const PARTS: StackPart[] = stack.PARTS;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const haproxy = require('../../infra/haproxy/index.cjs');
const LOAD_BALANCER: string = stack.LOAD_BALANCER.name;
/** The parts behind the load balancer (`balance` in the definition): they scale, so they publish nothing. */
const BALANCED = PARTS.filter((p) => p.balance);

/**
 * The ports published on the host, by service: the load balancer publishes the standard port of
 * each part behind it (and its stats page on loopback), dev-idp its own (dev profile only). NATS
 * (4222), its unauthenticated monitoring (8222) and routes (6222) stay internal.
 */
const PUBLISHED: Record<string, string[]> = {
  ...Object.fromEntries(PARTS.filter((p) => p.name !== 'nats' && !p.balance && p.published !== false && p.ports?.length).map((p) => [p.name, [`${stack.STANDARD_PORTS[p.ports![0]]}:${stack.STANDARD_PORTS[p.ports![0]]}`]])),
  [LOAD_BALANCER]: [
    ...BALANCED.map((p) => `${stack.STANDARD_PORTS[p.ports![0]]}:${stack.STANDARD_PORTS[p.ports![0]]}`),
    `127.0.0.1:${stack.STANDARD_PORTS.loadBalancerStats}:${stack.STANDARD_PORTS.loadBalancerStats}`,
  ],
};

/** A compose service's part of the stack: the NATS nodes are the `nats` part, clustered. */
const partOf = (service: string) => (/^nats-\d+$/.test(service) ? 'nats' : service);

describe('docker-compose.yml', () => {
  it('describes a 3-node NATS cluster and every part of the system', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['nats-1', 'nats-2', 'nats-3', LOAD_BALANCER, ...PARTS.map((p) => p.name).filter((name) => name !== 'nats')].sort(),
    );
    for (const node of ['nats-1', 'nats-2', 'nats-3']) {
      const cmd: string[] = services[node].command;
      expect(cmd).toEqual(expect.arrayContaining(['--routes', '-c', '/etc/nats/nats-cluster.conf']));
      // --cluster would clear the route authorization of nats-cluster.conf.
      expect(cmd).not.toContain('--cluster');
      const routes = cmd[cmd.indexOf('--routes') + 1].split(',');
      expect(routes).toHaveLength(2);
      expect(routes.join()).not.toContain(node);
      // Routes authenticate: each URL carries the cluster credentials.
      for (const route of routes) expect(route).toMatch(/^nats:\/\/route:\$\{NATS_CLUSTER_PASSWORD\}@nats-\d:6222$/);
      expect(services[node].environment.NATS_CLUSTER_USER).toBe('route');
      expect(services[node].volumes).toEqual(
        expect.arrayContaining(['./infra/nats/nats.conf:/etc/nats/nats.conf:ro', './infra/nats/nats-cluster.conf:/etc/nats/nats-cluster.conf:ro']),
      );
    }
  });

  it('lets api-service and every part behind the load balancer scale (no fixed container name or host port)', () => {
    for (const name of ['api-service', ...BALANCED.map((p) => p.name)]) {
      expect({ name, container: services[name].container_name, ports: services[name].ports }).toEqual({ name, container: undefined, ports: undefined });
    }
  });

  it('runs HAProxy with the configuration generated from the stack definition (not stale), no stickiness', () => {
    const mounted = services[LOAD_BALANCER].volumes.find((v: string) => v.startsWith('./infra/haproxy/'));
    const [file, target] = mounted.split(':');
    expect(services[LOAD_BALANCER].command).toEqual(['haproxy', '-f', target]);
    const config = readFileSync(join(ROOT, file), 'utf8');
    expect(config).toBe(haproxy.composeConfig(stack));
    for (const part of BALANCED) {
      const port = stack.STANDARD_PORTS[part.ports![0]];
      expect(config).toContain(`server-template ${part.name}- 1-${haproxy.COMPOSE_MAX_REPLICAS} ${part.name}:${port} check resolvers docker`);
      expect(config).toContain(`option httpchk GET ${part.balance!.check}`);
    }
    expect(config).not.toMatch(/\bcookie\b|stick|balance source|hash-type/);
    // It waits for a healthy replica of each part it fronts.
    expect(Object.keys(services[LOAD_BALANCER].depends_on).sort()).toEqual(BALANCED.map((p) => p.name).sort());
  });

  describe.each(Object.keys(services))('%s', (name) => {
    const svc = services[name];

    it('has a healthcheck or depends on one', () => {
      const hasOwn = Boolean(svc.healthcheck?.test);
      const dependsOnHealthy = Object.values(svc.depends_on ?? {}).some((d: any) => d.condition === 'service_healthy');
      expect(hasOwn || dependsOnHealthy).toBe(true);
    });

    it('builds from a context, Dockerfile and target that exist', () => {
      if (!svc.build) {
        expect(svc.image).toMatch(/^(nats|haproxy):/);
        return;
      }
      const context = join(ROOT, svc.build.context);
      const dockerfile = join(context, svc.build.dockerfile ?? 'Dockerfile');
      expect(existsSync(dockerfile)).toBe(true);
      if (svc.build.target) {
        expect(readFileSync(dockerfile, 'utf8')).toMatch(new RegExp(`^FROM .+ AS ${svc.build.target}$`, 'm'));
      }
    });

    it('runs a command whose entry point exists in the repository', () => {
      const cmd: string[] = svc.command;
      expect(Array.isArray(cmd)).toBe(true);
      if (cmd[0] === 'node') {
        // dist/x.js is built from src/x.ts
        const source = cmd[1].replace('/dist/', '/src/').replace(/\.js$/, '.ts');
        expect(existsSync(join(ROOT, source))).toBe(true);
      } else if (cmd[0] === 'streamlit') {
        expect(existsSync(join(ROOT, cmd[2]))).toBe(true);
      } else if (cmd[0] === 'python') {
        expect(existsSync(join(ROOT, cmd[1]))).toBe(true);
      } else if (cmd[0] === 'npx') {
        expect(existsSync(join(ROOT, cmd[3], 'package.json'))).toBe(true);
      } else if (cmd[0] === 'haproxy') {
        expect(existsSync(join(ROOT, 'infra/haproxy/haproxy.compose.cfg'))).toBe(true);
      } else {
        expect(existsSync(join(ROOT, 'infra/nats/nats.conf'))).toBe(true);
      }
    });

    it('publishes only the port a browser needs, if any', () => {
      if (!(name in PUBLISHED)) return expect(svc.ports).toBeUndefined();
      expect(svc.ports).toEqual(PUBLISHED[name]);
    });

    it('sets only variables that the part documents in its .env.sample', () => {
      if (name === LOAD_BALANCER) return expect(svc.environment).toBeUndefined(); // its configuration file is all it reads
      const part = name.startsWith('nats-') ? 'nats' : name;
      // A service made by `nx g api-service` documents its variables in apps/<name>/.env.sample.
      const documented = documentedVars(ENV_SAMPLE[part] ?? `apps/${part}/.env.sample`);
      const undocumented = Object.keys(svc.environment ?? {}).filter((v) => !documented.has(v) && !EVERY_PART_VARS.has(v));
      expect(undocumented).toEqual([]);
    });

    it('runs in production mode (AUTH_BUS_ENV=production), except the development-only dev-idp', () => {
      if (name === 'dev-idp') return expect(svc.profiles).toEqual(['dev']);
      if (name === LOAD_BALANCER) return expect(svc.image).toMatch(/^haproxy:/); // no secrets, nothing to refuse
      expect(svc.environment.AUTH_BUS_ENV).toBe('production');
    });
  });

  it('gives the services the same NATS passwords as the NATS nodes', () => {
    const natsEnv = services['nats-1'].environment;
    expect(services['auth-service'].environment.NATS_PASSWORD).toBe(natsEnv.NATS_AUTH_SERVICE_PASSWORD);
    expect(services['api-service'].environment.NATS_PASSWORD).toBe(natsEnv.NATS_API_SERVICE_PASSWORD);
    expect(services['host-relay'].environment.NATS_PASSWORD).toBe(natsEnv.NATS_HOST_RELAY_PASSWORD);
    expect(services['streamlit-app'].environment.NATS_PASSWORD).toBe(natsEnv.NATS_STREAMLIT_HOST_PASSWORD);
  });

  it('gives auth-service the audit-writer password of the NATS nodes', () => {
    expect(services['auth-service'].environment.NATS_AUDIT_WRITER_PASSWORD).toBe(services['nats-1'].environment.NATS_AUDIT_WRITER_PASSWORD);
  });
});

/** Compose's variable interpolation, as far as this file uses it: `${VAR}`, `${VAR:-default}`, `${VAR:?error}`. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g, (_all, name: string, op?: string, arg?: string) => {
    const value = env[name];
    if (value) return value;
    if (op === '?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

function generatedEnv(...args: string[]): Record<string, string> {
  const r = spawnSync(process.execPath, [join(ROOT, 'infra/secrets/generate-env.mjs'), ...args], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return Object.fromEntries([...r.stdout.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

describe('docker-compose.yml against the stack definition (tools/stack/stack.cjs)', () => {
  it('has the same parts', () => {
    expect([...new Set(Object.keys(services).map(partOf))].sort()).toEqual([...PARTS.map((p) => p.name), LOAD_BALANCER].sort());
  });

  it('publishes the standard port of every listening part but NATS, through the load balancer for those behind it', () => {
    expect(PUBLISHED).toEqual({ 'dev-idp': ['4400:4400'], [LOAD_BALANCER]: ['8888:8888', '3001:3001', '4010:4010', '127.0.0.1:8404:8404'] });
  });

  it('knows every NATS user of infra/nats (the list in service-kit/config) by its password variable', () => {
    expect(stack.NATS_USERS).toEqual(Object.fromEntries(NATS_USER_NAMES.map((user) => [user, natsPasswordVar(user)])));
  });

  it('gives the NATS nodes a password for every NATS user, and each client part its user', () => {
    for (const node of Object.keys(services).filter((s) => partOf(s) === 'nats')) {
      for (const variable of Object.values(stack.NATS_USERS) as string[]) expect({ node, variable, set: variable in services[node].environment }).toEqual({ node, variable, set: true });
    }
    for (const part of PARTS.filter((p) => p.natsUser)) {
      const env = services[part.name].environment;
      expect({ part: part.name, user: env.NATS_USER }).toEqual({ part: part.name, user: part.natsUser });
      expect(env.NATS_PASSWORD).toBe(services['nats-1'].environment[stack.NATS_USERS[part.natsUser!]]);
    }
  });

  it('starts each part after the same parts as the definition (dependsOn)', () => {
    for (const part of PARTS) {
      const dependsOn = [...new Set(Object.keys(services[part.name === 'nats' ? 'nats-1' : part.name].depends_on ?? {}).map(partOf))];
      expect({ part: part.name, dependsOn: dependsOn.sort() }).toEqual({ part: part.name, dependsOn: [...part.dependsOn].sort() });
    }
  });
});

describe('docker-compose.yml secrets (issue 13 item 3)', () => {
  const required = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]));
  const natsPasswords = Object.keys(Object.fromEntries([...readFileSync(join(ROOT, 'infra/nats/nats.env.sample'), 'utf8').matchAll(/^(NATS_[A-Z0-9_]*PASSWORD)=/gm)].map((m) => [m[1], 1])));

  it('has no fallback to a development secret, anywhere', () => {
    expect(composeText).not.toMatch(/:-[^}]*dev-(password|secret)/);
    expect(composeText).not.toMatch(/dev-password|dev-secret|change-me/);
    // No secret has any default at all.
    expect([...composeText.matchAll(/\$\{([A-Z0-9_]*(PASSWORD|SECRET)[A-Z0-9_]*):-[^}]+\}/g)].map((m) => m[1])).toEqual([]);
  });

  it('refuses to start without every NATS password, the cluster password, the web secrets and the provider settings', () => {
    expect(natsPasswords.length).toBeGreaterThanOrEqual(7);
    for (const name of [...natsPasswords, 'AUTH0_SECRET', 'AUTH0_CLIENT_SECRET', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_AUDIENCE']) {
      expect({ name, required: required.has(name) }).toEqual({ name, required: true });
    }
    expect(() => interpolate(composeText, {})).toThrow(/required variable NATS_[A-Z_]+_PASSWORD is missing a value: .*generate-env\.mjs/);
  });

  it('publishes none of the NATS ports (4222, 8222, 6222)', () => {
    const published = Object.values(services).flatMap((svc: any) => svc.ports ?? []);
    expect(published.filter((p: string) => /(^|:)(4222|8222|6222)$/.test(String(p)))).toEqual([]);
  });

  it('runs dev-idp only in the dev profile, and nothing needs it outside that profile', () => {
    expect(services['dev-idp'].profiles).toEqual(['dev']);
    for (const [name, svc] of Object.entries(services)) {
      const dep = (svc as any).depends_on?.['dev-idp'];
      if (dep) expect({ name, required: dep.required }).toEqual({ name, required: false });
    }
  });

  it('starts with the secrets of `node infra/secrets/generate-env.mjs --dev > .env`: random, none a development default', () => {
    const env = generatedEnv('--dev');
    for (const name of required) expect({ name, set: Boolean(env[name]) }).toEqual({ name, set: true });
    const resolved = interpolate(composeText, env);
    expect(resolved).not.toMatch(/dev-password|dev-secret/);
    for (const name of natsPasswords) expect(env[name]).toMatch(/^[0-9a-f]{48}$/);
    expect(env.AUTH0_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(env.COMPOSE_PROFILES).toBe('dev');
    // Fresh each time.
    expect(generatedEnv('--dev').NATS_AUTH_SERVICE_PASSWORD).not.toBe(env.NATS_AUTH_SERVICE_PASSWORD);
  });

  it('leaves the provider settings to fill in without --dev (compose refuses until they are set)', () => {
    const env = generatedEnv();
    for (const name of natsPasswords) expect(env[name]).toMatch(/^[0-9a-f]{48}$/);
    expect(env.AUTH_ISSUER).toBeUndefined();
    expect(env.COMPOSE_PROFILES).toBeUndefined();
    expect(() => interpolate(composeText, env)).toThrow(/required variable (AUTH_ISSUER|AUTH_AUDIENCE|AUTH0_DOMAIN|AUTH0_CLIENT_ID|AUTH0_AUDIENCE) is missing/);
  });
});
