import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * There is no Docker engine here, so docker-compose.yml is checked statically: every build
 * context, Dockerfile target, command, port and variable must refer to something that exists.
 */
const ROOT = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const services: Record<string, any> = compose.services;

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
  'component-web': 'apps/component-web/.env.sample',
  'streamlit-app': 'streamlit-app/.env.sample',
  nats: 'infra/nats/nats.env.sample',
};

/** The port each part listens on by default (DESIGN.md, "Ports and defaults"). */
const DEFAULT_PORT: Record<string, number> = {
  'dev-idp': 4400,
  'host-relay': 8888,
  'component-web': 3001,
  'streamlit-app': 4010,
  'nats-1': 4222,
};

describe('docker-compose.yml', () => {
  it('describes a 3-node NATS cluster and every part of the system', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api-service', 'auth-service', 'component-web', 'dev-idp', 'host-relay', 'nats-1', 'nats-2', 'nats-3', 'streamlit-app'].sort(),
    );
    for (const node of ['nats-1', 'nats-2', 'nats-3']) {
      const cmd: string[] = services[node].command;
      expect(cmd).toEqual(expect.arrayContaining(['--cluster_name', '--routes', '-c', '/etc/nats/nats.conf']));
      const routes = cmd[cmd.indexOf('--routes') + 1].split(',');
      expect(routes).toHaveLength(2);
      expect(routes.join()).not.toContain(node);
    }
  });

  it('lets api-service scale (no fixed container name or host port)', () => {
    expect(services['api-service'].container_name).toBeUndefined();
    expect(services['api-service'].ports).toBeUndefined();
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
        expect(svc.image).toMatch(/^nats:/);
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
      } else if (cmd[0] === 'npx') {
        expect(existsSync(join(ROOT, cmd[3], 'package.json'))).toBe(true);
      } else {
        expect(existsSync(join(ROOT, 'infra/nats/nats.conf'))).toBe(true);
      }
    });

    it('publishes the documented default port', () => {
      if (!(name in DEFAULT_PORT)) return expect(svc.ports).toBeUndefined();
      expect(svc.ports).toContain(`${DEFAULT_PORT[name]}:${DEFAULT_PORT[name]}`);
    });

    it('sets only variables that the part documents in its .env.sample', () => {
      const part = name.startsWith('nats-') ? 'nats' : name;
      const documented = documentedVars(ENV_SAMPLE[part]);
      const undocumented = Object.keys(svc.environment ?? {}).filter((v) => !documented.has(v));
      expect(undocumented).toEqual([]);
    });
  });

  it('gives the services the same NATS passwords as the NATS nodes', () => {
    const natsEnv = services['nats-1'].environment;
    expect(services['auth-service'].environment.NATS_PASSWORD).toBe(natsEnv.NATS_AUTH_SERVICE_PASSWORD);
    expect(services['api-service'].environment.NATS_PASSWORD).toBe(natsEnv.NATS_API_SERVICE_PASSWORD);
    expect(services['host-relay'].environment.NATS_PASSWORD).toBe(natsEnv.NATS_HOST_RELAY_PASSWORD);
    expect(services['streamlit-app'].environment.NATS_PASSWORD).toBe(natsEnv.NATS_STREAMLIT_HOST_PASSWORD);
  });
});
