// Consent. First-party clients (Auth0's default for your own applications) are granted what
// they ask for without a consent page; the page appears only for third-party clients or when a
// client sends prompt=consent. API permissions a user does not have are never granted (Auth0
// RBAC): they are recorded as rejected, so the token simply does not carry them.
import type { DevIdpConfig } from './config.js';
import type { AccountStore } from './accounts.js';
import { findApi } from './tokens.js';

interface Requested {
  oidcScopes: string[];
  claims: string[];
  resources: Record<string, string[]>;
}

/** Applies a request's scopes/claims/resource scopes to a grant, minus what the user lacks. */
export function applyToGrant(grant: any, requested: Requested, accountId: string, config: DevIdpConfig, accounts: AccountStore): void {
  if (requested.oidcScopes.length) grant.addOIDCScope(requested.oidcScopes.join(' '));
  if (requested.claims.length) grant.addOIDCClaims(requested.claims);
  const user = accounts.find(accountId);
  for (const [indicator, scopes] of Object.entries(requested.resources)) {
    const api = findApi(config, indicator);
    const userPermissions = new Set(user && api ? accounts.permissionsFor(user, api) : []);
    const apiPermissions = new Set(api?.permissions ?? []);
    const allowed = scopes.filter((s) => !apiPermissions.has(s) || userPermissions.has(s));
    const denied = scopes.filter((s) => apiPermissions.has(s) && !userPermissions.has(s));
    if (allowed.length) grant.addResourceScope(indicator, allowed.join(' '));
    if (denied.length) grant.rejectResourceScope(indicator, denied.join(' '));
  }
}

/** What the current authorization request asks for (oidc-provider's ctx.oidc). */
export function requestedBy(oidc: any): Requested {
  const requestScopes: Set<string> = oidc.requestParamScopes;
  const resources: Record<string, string[]> = {};
  for (const [indicator, resourceServer] of Object.entries<any>(oidc.resourceServers ?? {})) {
    resources[indicator] = [...requestScopes].filter((s) => resourceServer.scopes.has(s));
  }
  return { oidcScopes: [...oidc.requestParamOIDCScopes], claims: [...oidc.requestParamClaims], resources };
}

export function isFirstParty(config: DevIdpConfig, clientId: string): boolean {
  return config.clients.find((c) => c.clientId === clientId)?.firstParty ?? false;
}

/** oidc-provider `loadExistingGrant`. */
export function makeLoadExistingGrant(config: DevIdpConfig, accounts: AccountStore) {
  return async (ctx: any) => {
    const { oidc } = ctx;
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!isFirstParty(config, oidc.client.clientId)) return grant;
    // An explicit prompt=consent still shows the consent page (OIDC requires it).
    if (oidc.prompts.has('consent') && oidc.promptPending('consent')) return grant;
    grant ??= new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
    applyToGrant(grant, requestedBy(oidc), oidc.session.accountId, config, accounts);
    await grant.save();
    return grant;
  };
}
