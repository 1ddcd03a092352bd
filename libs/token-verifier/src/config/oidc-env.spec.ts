import { oidcIssuerFromEnv, tokenVerifierOptionsFromEnv } from './oidc-env';

describe('tokenVerifierOptionsFromEnv', () => {
  it('trusts dev-idp by default, through discovery', () => {
    expect(tokenVerifierOptionsFromEnv({})).toMatchObject({
      issuer: 'http://localhost:4400/',
      audience: ['http://localhost:8888/api'],
      jwksUri: undefined,
      discoveryUrl: 'http://localhost:4400/.well-known/openid-configuration',
      permissionsClaim: 'permissions',
      settingNames: { issuer: 'OIDC_ISSUER', audience: 'AUTH_AUDIENCE', jwksUri: 'AUTH_JWKS_URI', permissionsClaim: 'AUTH_PERMISSIONS_CLAIM' },
    });
    expect(tokenVerifierOptionsFromEnv({ DEV_IDP_PORT: '4500' }).issuer).toBe('http://localhost:4500/');
  });

  it('names the provider with OIDC_ISSUER, and understands the older and Auth0 names', () => {
    expect(oidcIssuerFromEnv({ OIDC_ISSUER: 'http://localhost:8080/realms/auth-bus', AUTH_ISSUER: 'https://ignored/' })).toEqual({
      issuer: 'http://localhost:8080/realms/auth-bus',
      from: 'OIDC_ISSUER',
    });
    expect(oidcIssuerFromEnv({ AUTH_ISSUER: 'https://t.eu.auth0.com/' })).toEqual({ issuer: 'https://t.eu.auth0.com/', from: 'AUTH_ISSUER' });
    expect(oidcIssuerFromEnv({ AUTH0_ISSUER_BASE_URL: 'https://t.eu.auth0.com' })).toEqual({ issuer: 'https://t.eu.auth0.com', from: 'AUTH0_ISSUER_BASE_URL' });
    expect(oidcIssuerFromEnv({ AUTH0_DOMAIN: 't.eu.auth0.com' })).toEqual({ issuer: 'https://t.eu.auth0.com/', from: 'AUTH0_DOMAIN' });
    expect(oidcIssuerFromEnv({ AUTH0_DOMAIN: 'http://localhost:4400' })).toEqual({ issuer: 'http://localhost:4400/', from: 'AUTH0_DOMAIN' });
    expect(oidcIssuerFromEnv({ OIDC_ISSUER: '  ', AUTH0_DOMAIN: 't.auth0.com' }).from).toBe('AUTH0_DOMAIN');
  });

  it('reads every token setting', () => {
    const options = tokenVerifierOptionsFromEnv({
      OIDC_ISSUER: 'http://kc:8080/realms/r',
      AUTH0_AUDIENCE: 'https://api.example.com, https://api2.example.com',
      AUTH_JWKS_URI: 'http://kc:8080/realms/r/protocol/openid-connect/certs',
      AUTH_PERMISSIONS_CLAIM: 'resource_access.component-web.roles',
      AUTH_JWKS_REQUESTS_PER_MINUTE: '5',
    });
    expect(options).toMatchObject({
      issuer: 'http://kc:8080/realms/r',
      audience: ['https://api.example.com', 'https://api2.example.com'],
      jwksUri: 'http://kc:8080/realms/r/protocol/openid-connect/certs',
      discoveryUrl: undefined,
      permissionsClaim: 'resource_access.component-web.roles',
      jwksRequestsPerMinute: 5,
      settingNames: { issuer: 'OIDC_ISSUER', audience: 'AUTH0_AUDIENCE' },
    });
  });

  it("takes the audience from the article's API_AUDIENCE when neither of ours is set", () => {
    expect(tokenVerifierOptionsFromEnv({ API_AUDIENCE: 'https://api.example.com' })).toMatchObject({ audience: ['https://api.example.com'], settingNames: { audience: 'API_AUDIENCE' } });
    expect(tokenVerifierOptionsFromEnv({ AUTH_AUDIENCE: 'a', API_AUDIENCE: 'b' }).audience).toEqual(['a']);
  });

  it('refuses nonsense with the name of the variable to change', () => {
    expect(() => tokenVerifierOptionsFromEnv({ OIDC_ISSUER: 'localhost:8080/realms/r' })).toThrow(/OIDC_ISSUER must be the provider's issuer URL/);
    expect(() => tokenVerifierOptionsFromEnv({ AUTH_ISSUER: 'tenant' })).toThrow(/AUTH_ISSUER/);
    expect(() => tokenVerifierOptionsFromEnv({ AUTH_JWKS_URI: 'keys.json' })).toThrow(/AUTH_JWKS_URI/);
    expect(() => tokenVerifierOptionsFromEnv({ AUTH_PERMISSIONS_CLAIM: 'realm_access..roles' })).toThrow(/AUTH_PERMISSIONS_CLAIM/);
    expect(() => tokenVerifierOptionsFromEnv({ AUTH_JWKS_TIMEOUT_MS: 'soon' })).toThrow(/AUTH_JWKS_TIMEOUT_MS/);
  });
});
