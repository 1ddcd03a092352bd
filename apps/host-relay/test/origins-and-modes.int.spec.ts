import { freePort, RelayHarness } from '@auth-bus/testing';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { TestSocket } from './ws-client';

jest.setTimeout(90_000);

const RELAY_MAIN = resolve(__dirname, '..', 'dist', 'main.js');
/** A user's own Streamlit app, on Streamlit's default port. */
const OWN_APP = 'http://localhost:8501';
const DEPLOYED = 'https://app.example.com';
/** Not a development password: the relay may start in production mode with it. */
const REAL_PASSWORD = 'not-the-dev-password-3b7f';

/** The relay with no NATS behind it (it starts and serves handshakes regardless). */
async function nowhere(): Promise<{ url: string }> {
  return { url: `nats://127.0.0.1:${await freePort()}` };
}

/** Runs the built relay with `env` and expects it to exit at once; resolves with its exit code and output. */
function startExpectingRefusal(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [RELAY_MAIN], {
      cwd: join(__dirname, '..', '..', '..'),
      env: { PATH: process.env.PATH ?? '', RELAY_HOST: '127.0.0.1', RELAY_PORT: '0', NATS_URL: 'nats://127.0.0.1:1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the relay did not refuse to start:\n${output}`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}

describe('allowed origins in development and production mode (issue 15), production refusals', () => {
  describe('development (AUTH_BUS_ENV unset)', () => {
    let relay: RelayHarness;

    beforeAll(async () => {
      relay = await RelayHarness.start({ nats: await nowhere(), allowedOrigins: ['http://localhost:4010'], env: { AUTH_BUS_ENV: '' } });
    });

    afterAll(async () => {
      await relay?.stop();
    });

    it.each([OWN_APP, 'http://127.0.0.1:8501', 'http://[::1]:8501', 'http://localhost:4010', 'http://localhost'])(
      'accepts the WebSocket of a local Streamlit app at %s',
      async (origin) => {
        const socket = await TestSocket.hello(relay.wsUrl, origin);
        socket.close();
      },
    );

    it.each(['https://evil.example', 'http://localhost.evil.example:8501', 'https://localhost:8501', 'http://192.168.1.5:8501', 'null'])(
      'still refuses %s',
      async (origin) => {
        await expect(TestSocket.open(relay.wsUrl, origin)).rejects.toMatchObject({ status: 403 });
      },
    );

    it('passes CORS for a local app on any port', async () => {
      const res = await fetch(`${relay.url}/api/ping`, { headers: { Origin: OWN_APP } });
      expect(res.status).not.toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBe(OWN_APP);
    });
  });

  describe('production (AUTH_BUS_ENV=production)', () => {
    let relay: RelayHarness;

    beforeAll(async () => {
      relay = await RelayHarness.start({
        nats: await nowhere(),
        allowedOrigins: [DEPLOYED],
        env: { AUTH_BUS_ENV: 'production', NATS_PASSWORD: REAL_PASSWORD },
      });
    });

    afterAll(async () => {
      await relay?.stop();
    });

    it('refuses a local app that is not listed', async () => {
      await expect(TestSocket.open(relay.wsUrl, OWN_APP)).rejects.toMatchObject({ status: 403 });
      await expect(TestSocket.open(relay.wsUrl, 'http://127.0.0.1:8501')).rejects.toMatchObject({ status: 403 });
      expect((await fetch(`${relay.url}/api/ping`, { headers: { Origin: OWN_APP } })).status).toBe(403);
    });

    it('accepts the listed origin', async () => {
      const socket = await TestSocket.hello(relay.wsUrl, DEPLOYED);
      socket.close();
    });

    it('says at start that per-address limits need RELAY_TRUST_PROXY behind a proxy', () => {
      expect(relay.logLines.some((l) => l.includes('"level":"warn"') && l.includes('set RELAY_TRUST_PROXY'))).toBe(true);
    });
  });

  describe('refuses to start in production mode', () => {
    it.each([
      ['with a wildcard origin', { RELAY_ALLOWED_ORIGINS: '*', NATS_PASSWORD: REAL_PASSWORD }, 'RELAY_ALLOWED_ORIGINS'],
      ['with an origin pattern', { RELAY_ALLOWED_ORIGINS: 'https://*.example.com', NATS_PASSWORD: REAL_PASSWORD }, 'RELAY_ALLOWED_ORIGINS'],
      ['without a list of origins', { NATS_PASSWORD: REAL_PASSWORD }, 'RELAY_ALLOWED_ORIGINS'],
      ['with the development NATS password (the default)', { RELAY_ALLOWED_ORIGINS: DEPLOYED }, 'NATS_PASSWORD'],
      ['with the development NATS password set explicitly', { RELAY_ALLOWED_ORIGINS: DEPLOYED, NATS_PASSWORD: 'host-relay-dev-password' }, 'NATS_PASSWORD'],
    ])('%s, naming the variable', async (_what, env, variable) => {
      const { code, output } = await startExpectingRefusal({ AUTH_BUS_ENV: 'production', ...env });
      expect(code).toBe(1);
      expect(output).toContain(variable);
      expect(output).not.toContain('host-relay-dev-password');
      expect(output).not.toContain(REAL_PASSWORD);
    });
  });
});
