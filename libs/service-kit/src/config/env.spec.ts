import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadDotEnv, parseBytes, parseDuration } from './env';
import { envBool, envBytes, envDuration, envInt, envList } from './env-schema';
import { DEV_NATS_PASSWORDS, natsConfigFromEnv, natsPasswordVar } from './nats-config';

describe('env helpers', () => {
  it.each([
    ['1500', 1500],
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['30d', 2_592_000_000],
    ['1.5s', 1500],
  ])('parses the duration %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'ten minutes', '-5s', '5w'])('refuses the duration %p', (text) => expect(() => parseDuration(text)).toThrow(ConfigError));

  it.each([
    ['1048576', 1048576],
    ['256MB', 256e6],
    ['1GiB', 1024 ** 3],
    ['64kib', 65536],
  ])('parses the size %s', (text, bytes) => expect(parseBytes(text)).toBe(bytes));

  it('uses the default when a variable is unset or blank, and names the variable when it is wrong', () => {
    expect(envInt({}, 'X', 7)).toBe(7);
    expect(envInt({ X: ' ' }, 'X', 7)).toBe(7);
    expect(envInt({ X: '9' }, 'X', 7)).toBe(9);
    expect(() => envInt({ X: 'nine' }, 'X', 7)).toThrow(/X: must be an integer/);
    expect(() => envInt({ X: '0' }, 'X', 7, { min: 1 })).toThrow(/X: must be between 1/);
    expect(envDuration({ T: '2s' }, 'T', 1)).toBe(2000);
    expect(() => envDuration({ T: 'soon' }, 'T', 1)).toThrow(/^T: /);
    expect(envBytes({ B: '1MB' }, 'B', 1)).toBe(1e6);
    expect(envBool({ F: 'yes' }, 'F', false)).toBe(true);
    expect(() => envBool({ F: 'maybe' }, 'F', false)).toThrow(ConfigError);
    expect(envList({ L: 'a, b,,c' }, 'L', [])).toEqual(['a', 'b', 'c']);
  });

  it('loads a .env file without overriding the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-'));
    const file = join(dir, '.env');
    writeFileSync(file, '# comment\nA=1\nexport B="two"\nC=3\n');
    const env: Record<string, string | undefined> = { C: 'kept' };
    expect(loadDotEnv(file, env)).toBe(true);
    expect(env).toEqual({ A: '1', B: 'two', C: 'kept' });
    expect(loadDotEnv(join(dir, 'missing'), env)).toBe(false);
  });
});

describe('natsConfigFromEnv', () => {
  it('defaults to the local server and the development password of the service user', () => {
    expect(natsConfigFromEnv({}, 'api-service')).toEqual({
      servers: ['nats://127.0.0.1:4222'],
      user: 'api-service',
      pass: 'api-service-dev-password',
    });
  });

  it('takes NATS_URL, NATS_USER and NATS_PASSWORD, or the per-user password variable', () => {
    expect(natsConfigFromEnv({ NATS_URL: 'nats://a:1,nats://b:2', NATS_PASSWORD: 'p' }, 'auth-service')).toEqual({
      servers: ['nats://a:1', 'nats://b:2'],
      user: 'auth-service',
      pass: 'p',
    });
    expect(natsConfigFromEnv({ NATS_PORT: '5000', NATS_AUTH_SERVICE_PASSWORD: 'q' }, 'auth-service')).toMatchObject({
      servers: ['nats://127.0.0.1:5000'],
      pass: 'q',
    });
  });

  it('knows the same development passwords as infra/nats/nats.env.sample', () => {
    const sample = readFileSync(join(__dirname, '../../../../infra/nats/nats.env.sample'), 'utf8');
    for (const [user, password] of Object.entries(DEV_NATS_PASSWORDS)) {
      expect(sample).toContain(`${natsPasswordVar(user)}=${password}`);
    }
  });
});
