import { DEFAULT_ALLOWED_ORIGINS, loadConfig } from './relay.config';

describe('loadConfig', () => {
  it('has working defaults for development', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8888);
    expect(c.allowedOrigins).toEqual(DEFAULT_ALLOWED_ORIGINS);
    expect(c.nats).toEqual({ servers: ['nats://127.0.0.1:4222'], user: 'host-relay', pass: 'host-relay-dev-password' });
    expect(c.instance).toMatch(/^host-relay-[0-9a-f]{6}$/);
    expect(c.requestTimeoutMs).toBe(3000);
    expect(c.ws.maxFrameBytes).toBeLessThanOrEqual(c.ws.maxPayloadBytes);
  });

  it('reads the environment', () => {
    const c = loadConfig({
      PORT: '9000',
      RELAY_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:3001/',
      NATS_URL: 'nats://a:4222,nats://b:4222',
      RELAY_REQUEST_TIMEOUT_MS: '500',
      RELAY_WS_RATE_PER_SEC: '2.5',
      RELAY_HTTP_RATE_PER_SEC: '0',
      RELAY_TRUST_PROXY: '1',
    });
    expect(c.port).toBe(9000);
    expect(c.allowedOrigins).toEqual(['https://app.example.com', 'http://localhost:3001']);
    expect(c.nats.servers).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(c.requestTimeoutMs).toBe(500);
    expect(c.ws.ratePerSec).toBe(2.5);
    expect(c.http.ratePerSec).toBe(0);
    expect(c.trustProxy).toBe(1);
  });

  it('prefers RELAY_PORT over PORT and treats empty values as unset', () => {
    expect(loadConfig({ PORT: '1', RELAY_PORT: '2' }).port).toBe(2);
    expect(loadConfig({ RELAY_REQUEST_TIMEOUT_MS: '' }).requestTimeoutMs).toBe(3000);
  });

  it.each([
    [{ RELAY_PORT: 'eighty' }, 'RELAY_PORT'],
    [{ RELAY_ALLOWED_ORIGINS: 'localhost:3001' }, 'RELAY_ALLOWED_ORIGINS'],
    [{ RELAY_ALLOWED_ORIGINS: 'http://localhost:3001/path' }, 'RELAY_ALLOWED_ORIGINS'],
    [{ RELAY_MAX_FRAME_BYTES: '100000', RELAY_WS_MAX_PAYLOAD_BYTES: '50000' }, 'RELAY_WS_MAX_PAYLOAD_BYTES'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('refuses %p naming the variable', (env, name) => {
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('defaults to development: local origins on any port are allowed besides the list', () => {
    const c = loadConfig({});
    expect(c.production).toBe(false);
    expect(c.allowLoopbackOrigins).toBe(true);
    expect(loadConfig({ AUTH_BUS_ENV: 'development' }).production).toBe(false);
    // A typo must not silently mean development.
    expect(() => loadConfig({ AUTH_BUS_ENV: 'staging' })).toThrow('AUTH_BUS_ENV');
  });

  it('has the session-report budget documented in .env.sample', () => {
    expect(loadConfig({}).sessionReports).toEqual({ burst: 10, perMinute: 6, repeatWindowMs: 600_000 });
    expect(loadConfig({ RELAY_SESSION_REPORT_BURST: '50', RELAY_SESSION_REPORTS_PER_MINUTE: '0.5' }).sessionReports).toMatchObject({ burst: 50, perMinute: 0.5 });
  });

  it('has the token-trial budget documented in .env.sample', () => {
    expect(loadConfig({}).tokenTrials).toEqual({ burst: 20, perMinute: 10, knownWindowMs: 600_000 });
    expect(() => loadConfig({ RELAY_AUTH_TRIAL_BURST: '0' })).toThrow('RELAY_AUTH_TRIAL_BURST');
    expect(() => loadConfig({ RELAY_AUTH_TRIALS_PER_MINUTE: 'many' })).toThrow('RELAY_AUTH_TRIALS_PER_MINUTE');
  });

  it.each([
    [{ RELAY_SESSION_REPORT_BURST: '0' }, 'RELAY_SESSION_REPORT_BURST'],
    [{ RELAY_SESSION_REPORTS_PER_MINUTE: '0' }, 'RELAY_SESSION_REPORTS_PER_MINUTE'],
    [{ RELAY_SESSION_REPEAT_WINDOW_MS: '-1' }, 'RELAY_SESSION_REPEAT_WINDOW_MS'],
    [{ RELAY_ALLOWED_ORIGINS: '*' }, 'RELAY_ALLOWED_ORIGINS'],
    [{ RELAY_ALLOWED_ORIGINS: 'https://*.example.com' }, 'RELAY_ALLOWED_ORIGINS'],
  ])('refuses %p naming the variable (in development too)', (env, name) => {
    expect(() => loadConfig(env)).toThrow(name);
  });

  describe('production mode (AUTH_BUS_ENV=production)', () => {
    const prod = { AUTH_BUS_ENV: 'production', NATS_PASSWORD: 'a-real-secret', RELAY_ALLOWED_ORIGINS: 'https://app.example.com' };

    it('starts with explicit origins and a real NATS password; the local-origin default is off', () => {
      const c = loadConfig(prod);
      expect(c.production).toBe(true);
      expect(c.allowLoopbackOrigins).toBe(false);
      expect(c.allowedOrigins).toEqual(['https://app.example.com']);
      expect(loadConfig({ ...prod, AUTH_BUS_ENV: ' Production ' }).production).toBe(true);
      expect(loadConfig({ ...prod, NATS_PASSWORD: undefined, NATS_HOST_RELAY_PASSWORD: 'another-real-one' }).nats.pass).toBe('another-real-one');
    });

    it.each([
      ['no origins', { RELAY_ALLOWED_ORIGINS: undefined }, 'RELAY_ALLOWED_ORIGINS'],
      ['an empty list', { RELAY_ALLOWED_ORIGINS: ' , ' }, 'RELAY_ALLOWED_ORIGINS'],
      ['a wildcard', { RELAY_ALLOWED_ORIGINS: '*' }, 'RELAY_ALLOWED_ORIGINS'],
      ['a pattern', { RELAY_ALLOWED_ORIGINS: 'https://app.example.com,https://*.example.com' }, 'RELAY_ALLOWED_ORIGINS'],
      ['the default (development) NATS password', { NATS_PASSWORD: undefined }, 'NATS_PASSWORD'],
      ['host-relay-dev-password', { NATS_PASSWORD: 'host-relay-dev-password' }, 'NATS_PASSWORD'],
      ['another user’s development password', { NATS_PASSWORD: 'auth-service-dev-password' }, 'NATS_PASSWORD'],
      ['the development password in NATS_HOST_RELAY_PASSWORD', { NATS_PASSWORD: undefined, NATS_HOST_RELAY_PASSWORD: 'host-relay-dev-password' }, 'NATS_HOST_RELAY_PASSWORD'],
    ])('refuses %s, naming the variable and never the password', (_what, change, name) => {
      let message = '';
      try {
        loadConfig({ ...prod, ...change });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain(name);
      expect(message).not.toMatch(/dev-password|a-real-secret/);
    });
  });

  it('never echoes a secret in its errors', () => {
    try {
      loadConfig({ NATS_PASSWORD: 's3cret', RELAY_PORT: 'x' });
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cret');
    }
  });
});
