import { AUDIT_KINDS } from '@auth-bus/contracts';
import { loadAuthServiceConfig } from './auth-service.config';

describe('loadAuthServiceConfig', () => {
  it('points at the local parts by default', () => {
    const config = loadAuthServiceConfig({});
    expect(config.instance).toMatch(/^auth-service-[0-9a-f]{6}$/);
    expect(config.nats).toEqual({ servers: ['nats://127.0.0.1:4222'], user: 'auth-service', pass: 'auth-service-dev-password' });
    expect(config.auth).toMatchObject({ issuer: 'http://localhost:4400/', audience: ['http://localhost:8888/api'], permissionsClaim: 'permissions' });
    expect(config.login).toEqual({ clientIds: ['component-web'] });
    expect(config.stream).toEqual({ maxAgeMs: 30 * 86_400_000, maxBytes: 256e6, maxEventsPerKind: Math.floor(256e6 / (AUDIT_KINDS.length * 512)), duplicateWindowMs: 120_000, replicas: 1 });
  });

  it('keeps every kind within the byte cap, so a flood of one kind never evicts another', () => {
    // Default: what fits at 512 B an event for every kind of the contract.
    expect(loadAuthServiceConfig({ AUDIT_MAX_BYTES: '64MB' }).stream.maxEventsPerKind).toBe(Math.floor(64e6 / (AUDIT_KINDS.length * 512)));
    expect(loadAuthServiceConfig({ AUDIT_MAX_EVENTS_PER_KIND: '1000' }).stream.maxEventsPerKind).toBe(1000);
    expect(() => loadAuthServiceConfig({ AUDIT_MAX_BYTES: '1MB', AUDIT_MAX_EVENTS_PER_KIND: '1000' })).toThrow(/AUDIT_MAX_EVENTS_PER_KIND.*AUDIT_MAX_BYTES/);
    expect(() => loadAuthServiceConfig({ AUDIT_MAX_EVENTS_PER_KIND: '0' })).toThrow(/AUDIT_MAX_EVENTS_PER_KIND/);
  });

  it('reads the stream limits from the environment', () => {
    const config = loadAuthServiceConfig({ AUDIT_MAX_AGE: '7d', AUDIT_MAX_BYTES: '1GiB', AUDIT_DUPLICATE_WINDOW: '30s', AUDIT_QUERY_SCAN_MAX: '500' });
    expect(config.stream).toMatchObject({ maxAgeMs: 7 * 86_400_000, maxBytes: 1024 ** 3, duplicateWindowMs: 30_000 });
    expect(config.query.scanMax).toBe(500);
  });

  it('reads the provider and the login clients, with the Auth0 names as aliases', () => {
    const keycloak = loadAuthServiceConfig({
      OIDC_ISSUER: 'http://localhost:8080/realms/auth-bus',
      AUTH_PERMISSIONS_CLAIM: 'realm_access.roles',
      AUTH_LOGIN_CLIENT_IDS: 'component-web, admin-web',
    });
    expect(keycloak.auth).toMatchObject({ issuer: 'http://localhost:8080/realms/auth-bus', discoveryUrl: 'http://localhost:8080/realms/auth-bus/.well-known/openid-configuration', permissionsClaim: 'realm_access.roles' });
    expect(keycloak.login.clientIds).toEqual(['component-web', 'admin-web']);
    const auth0 = loadAuthServiceConfig({ AUTH0_DOMAIN: 'tenant.eu.auth0.com', AUTH0_CLIENT_ID: 'AbC123' });
    expect(auth0.auth.issuer).toBe('https://tenant.eu.auth0.com/');
    expect(auth0.login.clientIds).toEqual(['AbC123']);
    expect(() => loadAuthServiceConfig({ AUTH_LOGIN_CLIENT_IDS: ' , ' })).toThrow(/AUTH_LOGIN_CLIENT_IDS/);
    expect(() => loadAuthServiceConfig({ OIDC_ISSUER: 'auth-bus' })).toThrow(/OIDC_ISSUER/);
  });

  it('keeps revocations for 24h5m by default (the longest usual token lifetime plus the largest clock tolerance)', () => {
    expect(loadAuthServiceConfig({}).revocationTtlMs).toBe(86_400_000 + 300_000);
    expect(loadAuthServiceConfig({ AUTH_REVOCATION_TTL: '48h' }).revocationTtlMs).toBe(48 * 3_600_000);
    expect(() => loadAuthServiceConfig({ AUTH_REVOCATION_TTL: 'soon' })).toThrow(/AUTH_REVOCATION_TTL/);
  });

  it('refuses a duplicate window longer than the retention', () => {
    expect(() => loadAuthServiceConfig({ AUDIT_MAX_AGE: '1m', AUDIT_DUPLICATE_WINDOW: '2m' })).toThrow(/AUDIT_DUPLICATE_WINDOW/);
  });
});
