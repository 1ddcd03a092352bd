import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const natsInfra = require('../index.cjs');

const START = join(__dirname, '..', 'start-nats.mjs');

/** Runs `node start-nats.mjs` with `env` and returns its exit code and output (it must exit by itself). */
function startNats(env: Record<string, string>) {
  const r = spawnSync(process.execPath, [START], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const REAL = {
  NATS_HOST_RELAY_PASSWORD: '7d1c9e0f5a2b',
  NATS_AUTH_SERVICE_PASSWORD: 'b4e2a19c0d7f',
  NATS_API_SERVICE_PASSWORD: '0a9f8e7d6c5b',
  NATS_STREAMLIT_HOST_PASSWORD: 'c3d4e5f6a7b8',
  NATS_AUDIT_READER_PASSWORD: '1f2e3d4c5b6a',
  NATS_AUDIT_WRITER_PASSWORD: '9e8d7c6b5a4f',
  NATS_REVOKER_PASSWORD: '2b3c4d5e6f7a',
  NATS_HTTP_BRIDGE_PASSWORD: '3c4d5e6f7a8b',
  NATS_CLUSTER_PASSWORD: '5a6b7c8d9e0f',
};

describe('infra/nats launcher: production mode (AUTH_BUS_ENV=production)', () => {
  it.each(Object.keys(REAL))('refuses to start nats-server while %s is a development password, naming it', (variable) => {
    const { status, output } = startNats({ ...REAL, AUTH_BUS_ENV: 'production', [variable]: natsInfra.readEnvFile(natsInfra.ENV_SAMPLE)[variable] });
    expect(status).toBe(1);
    expect(output).toContain(`${variable} is a development default`);
    expect(output).toContain('AUTH_BUS_ENV=production');
  });

  it('refuses an unset password and an unknown mode', () => {
    expect(() => natsInfra.checkDeploymentSecrets({ ...REAL, AUTH_BUS_ENV: 'production', NATS_API_SERVICE_PASSWORD: '' })).toThrow(/^NATS_API_SERVICE_PASSWORD is not set/);
    expect(() => natsInfra.checkDeploymentSecrets({ ...REAL, AUTH_BUS_ENV: 'staging' })).toThrow(/AUTH_BUS_ENV must be development or production/);
  });

  it('accepts real passwords in production and the documented defaults in development', () => {
    expect(natsInfra.checkDeploymentSecrets({ ...REAL, AUTH_BUS_ENV: 'production' })).toBe('production');
    expect(natsInfra.checkDeploymentSecrets(natsInfra.natsSettings({}))).toBe('development');
  });

  it('puts the cluster credentials into every route URL', () => {
    expect(natsInfra.routeUrl({ NATS_CLUSTER_USER: 'route', NATS_CLUSTER_PASSWORD: 'p@ss:w/rd' }, 'nats-2:6222')).toBe('nats://route:p%40ss%3Aw%2Frd@nats-2:6222');
  });
});
