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

  it('never echoes a secret in its errors', () => {
    try {
      loadConfig({ NATS_PASSWORD: 's3cret', RELAY_PORT: 'x' });
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cret');
    }
  });
});
