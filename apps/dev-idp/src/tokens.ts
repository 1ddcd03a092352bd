// Access tokens shaped like Auth0's: the `audience` selects an API (oidc-provider resource
// indicator); tokens for it are RS256 JWTs with iss, sub, aud (API identifier, plus the userinfo
// URL when `openid` was requested), azp, iat, exp, scope and the RBAC `permissions` claim.
import { errors } from 'oidc-provider';
import { OIDC_SCOPES, userinfoUrl, type ApiConfig, type DevIdpConfig } from './config.js';
import type { AccountStore } from './accounts.js';

export function findApi(config: DevIdpConfig, identifier: string | undefined): ApiConfig | undefined {
  return identifier === undefined ? undefined : config.apis.find((a) => a.identifier === identifier);
}

/**
 * features.resourceIndicators.getResourceServerInfo: known APIs only (Auth0 answers
 * "Service not found" for others). The OIDC scopes are listed as API scopes too, so that the
 * access token's `scope` reads like Auth0's ("openid profile email read:messages").
 */
export function makeGetResourceServerInfo(config: DevIdpConfig) {
  return async (_ctx: unknown, indicator: string) => {
    const api = findApi(config, indicator);
    if (!api) throw new errors.InvalidTarget(`Service not found: ${indicator}`);
    return {
      audience: api.identifier,
      scope: [...OIDC_SCOPES, ...api.permissions].join(' '),
      accessTokenFormat: 'jwt',
      jwt: { sign: { alg: 'RS256' } },
    };
  };
}

interface StructuredJwt {
  header?: Record<string, unknown>;
  payload: Record<string, any>;
}

/** formats.customizers.jwt: turns oidc-provider's JWT access token into Auth0's shape. */
export function makeJwtCustomizer(config: DevIdpConfig, accounts: AccountStore) {
  return async (_ctx: unknown, token: any, jwt: StructuredJwt) => {
    const { payload } = jwt;
    jwt.header = { typ: 'JWT' };
    const api = findApi(config, token.resourceServer?.identifier());
    const scopes = new Set<string>(typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []);

    payload.azp = payload.client_id;
    delete payload.client_id;

    if (token.kind === 'ClientCredentials') {
      // Auth0 machine-to-machine tokens: sub "<client_id>@clients", gty, permissions = scopes.
      payload.sub = `${payload.azp}@clients`;
      payload.gty = 'client-credentials';
      payload.permissions = api ? api.permissions.filter((p) => scopes.has(p)) : [];
      return;
    }

    const user = token.accountId ? accounts.find(token.accountId) : undefined;
    payload.permissions = user && api ? accounts.permissionsFor(user, api) : [];
    // namespaced custom claims (the seed's `access_token_claims`): never replace a standard one
    if (user) for (const [name, value] of Object.entries(accounts.accessTokenClaims(user))) payload[name] ??= value;
    if (scopes.has('openid')) payload.aud = [payload.aud, userinfoUrl(config)];
  };
}
