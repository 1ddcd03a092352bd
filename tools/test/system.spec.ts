/**
 * The dev launcher's decisions that need no running system: how the parts are pointed at each
 * other on moved ports, and when the Python environment is (re)installed with which extras.
 * (The real system on moved ports: readme-commands.int.spec.ts.)
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const system = require('../dev/system.cjs');

const STANDARD = system.portsFrom({});
const moved = { ...STANDARD, devIdp: 5400, componentWeb: 5001, streamlit: 5010, hostRelay: 5888, nats: 5222, natsMonitor: 5822 };

describe('systemEnv: where each part finds the others', () => {
  it('sets nothing on the standard ports (the parts’ defaults and .env files apply)', () => {
    expect(system.systemEnv(STANDARD, {})).toEqual({});
  });

  it('points every cross-reference at the moved ports', () => {
    expect(system.systemEnv(moved, {})).toEqual(
      expect.objectContaining({
        NATS_URL: 'nats://127.0.0.1:5222',
        DEV_IDP_ISSUER: 'http://localhost:5400/',
        AUTH_ISSUER: 'http://localhost:5400/',
        AUTH0_DOMAIN: 'http://localhost:5400',
        APP_BASE_URL: 'http://localhost:5001',
        DEV_IDP_COMPONENT_WEB_REDIRECT_URIS: 'http://localhost:5001/auth/callback',
        DEV_IDP_COMPONENT_WEB_LOGOUT_URLS: 'http://localhost:5001/,http://localhost:5001/auth/logged-out',
        STREAMLIT_ORIGINS: 'http://localhost:5010 http://127.0.0.1:5010',
        RELAY_ORIGINS: 'ws://localhost:5888 ws://127.0.0.1:5888',
        RELAY_ALLOWED_ORIGINS: 'http://localhost:5010,http://127.0.0.1:5010,http://localhost:5001,http://127.0.0.1:5001',
        COMPONENT_URL: 'http://localhost:5001/streamlit',
        RELAY_URL: 'ws://localhost:5888/ws',
      }),
    );
  });

  it('moves only what depends on the moved port', () => {
    const onlyIdp = system.systemEnv({ ...STANDARD, devIdp: 5400 }, {});
    expect(Object.keys(onlyIdp).sort()).toEqual(['AUTH0_DOMAIN', 'AUTH_ISSUER', 'DEV_IDP_ISSUER', 'DEV_IDP_PORT']);
  });

  it('never overrides a variable the user set (a real Auth0 tenant stays)', () => {
    const env = system.systemEnv(moved, { AUTH0_DOMAIN: 'https://tenant.eu.auth0.com', AUTH_ISSUER: 'https://tenant.eu.auth0.com/' });
    expect(env.AUTH0_DOMAIN).toBeUndefined();
    expect(env.AUTH_ISSUER).toBeUndefined();
    expect(env.DEV_IDP_ISSUER).toBe('http://localhost:5400/');
  });

  it('reads the ports from their variables', () => {
    expect(system.portsFrom({ DEV_IDP_PORT: '5400', STREAMLIT_PORT: '5010' })).toEqual({ ...STANDARD, devIdp: 5400, streamlit: 5010 });
  });
});

describe('pythonInstallSpec: when pip runs, and with which extras', () => {
  const current = { venvExists: true, pyprojectChanged: false, stamped: ['demo', 'test'] };

  it('installs streamlit-app[demo,test] for npm start / npm test on a fresh machine', () => {
    expect(system.pythonInstallSpec({ venvExists: false, pyprojectChanged: true, stamped: [] })).toEqual({
      extras: ['demo', 'test'],
      spec: 'streamlit-app[demo,test]',
    });
    expect(system.PYTHON_PACKAGE).toBe('streamlit-app[demo,test]');
  });

  it('does nothing when the stamp has every extra and pyproject.toml has not changed', () => {
    expect(system.pythonInstallSpec(current)).toBeUndefined();
  });

  it('adds an extra a command needs (bench), keeping what is installed', () => {
    expect(system.pythonInstallSpec({ ...current, extras: ['bench'] })?.spec).toBe('streamlit-app[demo,test,bench]');
  });

  it('keeps an extra installed before when pyproject.toml changes', () => {
    expect(system.pythonInstallSpec({ ...current, stamped: ['demo', 'test', 'bench'], pyprojectChanged: true })?.spec).toBe('streamlit-app[demo,test,bench]');
  });

  it('reinstalls when the stamp predates extras (an empty stamp)', () => {
    expect(system.pythonInstallSpec({ ...current, stamped: [] })?.spec).toBe('streamlit-app[demo,test]');
  });
});

describe('npm start -- --replicas N', () => {
  const argv = (...args: string[]) => ['node', 'tools/dev/start.mjs', ...args];

  it('is 1 without the option, N with it (either spelling)', () => {
    expect(system.replicasFromArgs(argv())).toBe(1);
    expect(system.replicasFromArgs(argv('--quiet', '--replicas', '3'))).toBe(3);
    expect(system.replicasFromArgs(argv('--replicas=2'))).toBe(2);
  });

  it('refuses a count that is not 1–9, naming it', () => {
    for (const bad of [['--replicas'], ['--replicas', '0'], ['--replicas', 'two'], ['--replicas=10'], ['--replicas', '-1']]) {
      expect(() => system.replicasFromArgs(argv(...bad))).toThrow(/--replicas .*expected a count from 1 to 9/);
    }
  });

  it('scales every part that can run several, and puts HAProxy in front of the HTTP ones only', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const stack = require('../stack/stack.cjs');
    // (arrayContaining: a part added to the definition later may scale too)
    expect(stack.SCALABLE_PARTS).toEqual(expect.arrayContaining(['api-service', 'host-relay', 'component-web', 'streamlit-app']));
    const parts = system.partsFor(system.PORTS, 2);
    expect(parts.map((p: { name: string; count: number }) => `${p.name}×${p.count}`)).toEqual(
      expect.arrayContaining(['nats×1', 'dev-idp×1', 'auth-service×1', 'api-service×2', 'host-relay×2', 'component-web×2', 'streamlit-app×2', 'load-balancer×1']),
    );
    expect(parts[parts.length - 1].name).toBe('load-balancer');
    expect(system.partsFor(system.PORTS, 1).map((p: { name: string }) => p.name)).not.toContain('load-balancer');
  });
});
