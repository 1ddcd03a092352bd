import { ConfigError } from './env';
import { envField, parseOrigins, readEnv, splitList } from './env-schema';
import { readServiceEnv, serviceEnv } from './service-env';

describe('readEnv (the one way the Node parts read configuration)', () => {
  const shape = {
    PORT: envField.int(8080, { min: 0, max: 65535 }),
    RATE: envField.positive(2),
    ON: envField.bool(false),
    WAIT: envField.duration(1_000),
    ORIGINS: envField.origins(['http://localhost:3001']),
    HOME: envField.url().default('http://localhost:4400/'),
    LOG_LEVEL: envField.logLevel(),
  };

  it('gives the defaults for unset and blank variables', () => {
    expect(readEnv('demo', shape, { PORT: '', ON: '  ' })).toEqual({
      PORT: 8080,
      RATE: 2,
      ON: false,
      WAIT: 1_000,
      ORIGINS: ['http://localhost:3001'],
      HOME: 'http://localhost:4400/',
      LOG_LEVEL: 'info',
    });
  });

  it('reads valid values', () => {
    expect(readEnv('demo', shape, { PORT: '9000', RATE: '0.5', ON: 'yes', WAIT: '2s', ORIGINS: 'https://a.example, http://b.example:81/', LOG_LEVEL: 'warn' })).toMatchObject({
      PORT: 9000,
      RATE: 0.5,
      ON: true,
      WAIT: 2_000,
      ORIGINS: ['https://a.example', 'http://b.example:81'],
      LOG_LEVEL: 'warn',
    });
  });

  it('refuses every bad value at once, naming each variable', () => {
    const bad = { PORT: 'eighty', RATE: '0', ON: 'maybe', WAIT: 'soon', ORIGINS: 'https://*.example', HOME: 'ftp://x', LOG_LEVEL: 'loud' };
    let error: unknown;
    try {
      readEnv('demo', shape, bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid demo configuration: /);
    for (const name of Object.keys(bad)) expect(message).toContain(`${name}: `);
  });

  it('refuses origins that are not exact (never drops them silently)', () => {
    expect(() => parseOrigins('http://localhost:3001/path')).toThrow(ConfigError);
    expect(() => parseOrigins('localhost:3001')).toThrow(ConfigError);
    expect(() => parseOrigins('*')).toThrow(/wildcards/);
    expect(() => parseOrigins('http://a.example', ['ws:', 'wss:'])).toThrow(/must use ws or wss/);
    expect(parseOrigins('wss://a.example/', ['ws:', 'wss:'])).toEqual(['wss://a.example']);
    expect(splitList('a  b,c', /[\s,]+/)).toEqual(['a', 'b', 'c']);
  });

  it('reads the settings every bus service shares, as strictly as the relay reads its own', () => {
    const e = readEnv('svc', serviceEnv('svc'), {});
    expect(e.INSTANCE_ID).toMatch(/^svc-[0-9a-f]{6}$/);
    expect(e).toMatchObject({ LOG_LEVEL: 'info', DRAIN_TIMEOUT: 10_000, AUDIT_MAX_PENDING: 10_000 });
    expect(() => readEnv('svc', serviceEnv('svc'), { LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => readEnv('svc', serviceEnv('svc'), { INSTANCE_ID: 'a b' })).toThrow(/INSTANCE_ID/);
  });

  it("reads a service's shared settings and its own variables together", () => {
    const { settings, e } = readServiceEnv('svc', { EXTRA: envField.int(3, { min: 1 }) }, { INSTANCE_ID: 'svc-1', DRAIN_TIMEOUT: '2s', EXTRA: '4' });
    expect(settings).toEqual({ instance: 'svc-1', logLevel: 'info', audit: { maxPending: 10_000, maxInFlight: 256, ackTimeoutMs: 5_000, flushTimeoutMs: 5_000 }, drainTimeoutMs: 2_000 });
    expect(e.EXTRA).toBe(4);
    expect(() => readServiceEnv('svc', { EXTRA: envField.int(3, { min: 1 }) }, { LOG_LEVEL: 'loud', EXTRA: '0' })).toThrow(/LOG_LEVEL: .*EXTRA: /);
  });
});
