import { loadApiServiceConfig } from './api-service.config';

describe('loadApiServiceConfig', () => {
  it('points at the local parts by default', () => {
    const config = loadApiServiceConfig({});
    expect(config.instance).toMatch(/^api-service-[0-9a-f]{6}$/);
    expect(config.nats).toEqual({ servers: ['nats://127.0.0.1:4222'], user: 'api-service', pass: 'api-service-dev-password' });
    expect(config.auth).toMatchObject({
      issuer: 'http://localhost:4400/',
      audience: ['http://localhost:8888/api'],
      jwksUri: undefined,
      discoveryUrl: 'http://localhost:4400/.well-known/openid-configuration',
      permissionsClaim: 'permissions',
      clockToleranceSec: 30,
    });
    expect(config.drainTimeoutMs).toBe(10_000);
    expect(config.audit.coalesceWindowMs).toBe(1_000);
  });

  it('reads every setting from the environment', () => {
    const config = loadApiServiceConfig({
      INSTANCE_ID: 'api-7',
      LOG_LEVEL: 'debug',
      NATS_URL: 'nats://nats:4222',
      NATS_PASSWORD: 'secret',
      AUTH_ISSUER: 'https://tenant.eu.auth0.com/',
      AUTH_AUDIENCE: 'https://api.example.com, https://api2.example.com',
      AUTH_CLOCK_TOLERANCE_SEC: '10',
      AUTH_TOKEN_CACHE_MAX: '50',
      AUTH_PERMISSIONS_CLAIM: 'scope',
      AUDIT_ACK_TIMEOUT: '2s',
      AUDIT_COALESCE_WINDOW: '0',
      DRAIN_TIMEOUT: '3s',
    });
    expect(config).toMatchObject({
      instance: 'api-7',
      logLevel: 'debug',
      nats: { servers: ['nats://nats:4222'], user: 'api-service', pass: 'secret' },
      auth: {
        issuer: 'https://tenant.eu.auth0.com/',
        audience: ['https://api.example.com', 'https://api2.example.com'],
        discoveryUrl: 'https://tenant.eu.auth0.com/.well-known/openid-configuration',
        permissionsClaim: 'scope',
        clockToleranceSec: 10,
        cacheMaxEntries: 50,
      },
      audit: { ackTimeoutMs: 2000, coalesceWindowMs: 0 },
      drainTimeoutMs: 3000,
    });
  });

  it('refuses nonsense with the name of the variable', () => {
    expect(() => loadApiServiceConfig({ AUTH_CLOCK_TOLERANCE_SEC: '3600' })).toThrow(/clock tolerance/);
    expect(() => loadApiServiceConfig({ DRAIN_TIMEOUT: 'later' })).toThrow(/DRAIN_TIMEOUT/);
    expect(() => loadApiServiceConfig({ AUTH0_DOMAIN: 'https://' })).toThrow(/AUTH0_DOMAIN/);
    expect(() => loadApiServiceConfig({ AUTH_PERMISSIONS_CLAIM: 'a b' })).toThrow(/AUTH_PERMISSIONS_CLAIM/);
  });
});
