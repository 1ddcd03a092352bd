import { claimAt, isValidClaimPath, stringsAt } from './claim-path';
import { toVerifiedToken } from './verified-token';

describe('claim paths', () => {
  const claims = {
    sub: 'u',
    exp: 1,
    iss: 'i',
    scope: 'openid  read:messages',
    permissions: ['read:audit', 7, '', 'read:audit'],
    realm_access: { roles: ['offline_access', 'read:messages'] },
    resource_access: { 'component-web': { roles: ['read:audit'] } },
    gty: 'client-credentials',
    azp: 'dev-m2m',
  };

  it('validates dotted paths', () => {
    for (const ok of ['permissions', 'scope', 'realm_access.roles', 'resource_access.component-web.roles', 'https://example.com/claims.roles']) {
      expect(isValidClaimPath(ok)).toBe(true);
    }
    for (const bad of ['', '.roles', 'a..b', 'a.', 'has space']) expect(isValidClaimPath(bad)).toBe(false);
  });

  it('walks own properties only', () => {
    expect(claimAt(claims, 'realm_access.roles')).toEqual(['offline_access', 'read:messages']);
    expect(claimAt(claims, 'realm_access.missing')).toBeUndefined();
    expect(claimAt(claims, 'scope.length')).toBeUndefined();
    expect(claimAt(claims, 'permissions.0')).toBeUndefined();
    expect(claimAt(claims, 'constructor')).toBeUndefined();
    expect(claimAt(claims, '__proto__')).toBeUndefined();
  });

  it('reads arrays and space-separated strings, keeping valid distinct strings', () => {
    expect(stringsAt(claims, 'permissions')).toEqual(['read:audit']);
    expect(stringsAt(claims, 'scope')).toEqual(['openid', 'read:messages']);
    expect(stringsAt(claims, 'resource_access.component-web.roles')).toEqual(['read:audit']);
    expect(stringsAt(claims, 'realm_access')).toEqual([]);
    expect(stringsAt({ p: Array.from({ length: 300 }, (_, i) => `p${i}`) }, 'p')).toHaveLength(256);
    expect(stringsAt({ p: ['x'.repeat(129)] }, 'p')).toEqual([]);
  });

  it('builds the identity from the configured claim, with the client and grant type', () => {
    expect(toVerifiedToken(claims, 'h')).toMatchObject({ permissions: ['read:audit'], scopes: ['openid', 'read:messages'], clientId: 'dev-m2m', grantTypes: ['client-credentials'] });
    expect(toVerifiedToken(claims, 'h', 'realm_access.roles').permissions).toEqual(['offline_access', 'read:messages']);
    expect(toVerifiedToken({ ...claims, azp: undefined, client_id: 'svc' }, 'h').clientId).toBe('svc');
  });
});
