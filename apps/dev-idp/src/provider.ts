// The oidc-provider instance: Auth0's endpoint paths, the clients from the configuration,
// our accounts, login pages, consent policy and token shapes. Every option oidc-provider would
// warn about ("you MUST change it") is set here.
import Provider, { errors } from 'oidc-provider';
import type { AccountStore } from './accounts.js';
import { providerAccount } from './accounts.js';
import { MemoryAdapter } from './adapter.js';
import { AUTO_CONSENT_PARAM, auth0CompatMiddleware } from './auth0-compat.js';
import type { ClientConfig, DevIdpConfig } from './config.js';
import { makeLoadExistingGrant } from './grants.js';
import { interactionsMiddleware } from './interactions.js';
import { providerJwks, publicKeys, type KeyFile } from './keys.js';
import type { Logger } from './logger.js';
import { makeGetResourceServerInfo, makeJwtCustomizer } from './tokens.js';
import { errorPage, loggedOutPage, logoutPage } from './views.js';

/** Auth0's paths (oidc-provider's own defaults are /auth, /token, /me, /jwks, /session/end …). */
export const ROUTES = {
  authorization: '/authorize',
  token: '/oauth/token',
  userinfo: '/userinfo',
  jwks: '/.well-known/jwks.json',
  end_session: '/oidc/logout',
  revocation: '/oauth/revoke',
  pushed_authorization_request: '/oauth/par',
  introspection: '/oauth/introspect',
  registration: '/oidc/register',
  code_verification: '/activate',
  device_authorization: '/oauth/device/code',
  backchannel_authentication: '/bc-authorize',
} as const;

/** An origin-only URL is registered with and without its trailing slash ("http://x:1" and "http://x:1/"). */
function withSlashVariants(urls: string[]): string[] {
  const out = new Set<string>();
  for (const u of urls) {
    out.add(u);
    const url = new URL(u);
    if (url.pathname === '/' && !url.search && !url.hash) {
      out.add(url.origin);
      out.add(`${url.origin}/`);
    }
  }
  return [...out];
}

function clientMetadata(c: ClientConfig): Record<string, unknown> {
  const userFlows = c.grantTypes.includes('authorization_code');
  return {
    client_id: c.clientId,
    ...(c.clientSecret ? { client_secret: c.clientSecret } : {}),
    client_name: c.name,
    grant_types: c.grantTypes,
    response_types: userFlows ? ['code'] : [],
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: withSlashVariants(c.postLogoutRedirectUris),
    // Body and HTTP Basic both work: auth0-compat turns Basic into body parameters.
    token_endpoint_auth_method: c.clientSecret ? 'client_secret_post' : 'none',
    id_token_signed_response_alg: 'RS256',
    application_type: 'web',
  };
}

export interface ProviderDeps {
  config: DevIdpConfig;
  accounts: AccountStore;
  keyFile: KeyFile;
  cookieSecret: string;
  logger: Logger;
}

export function createProvider({ config, accounts, keyFile, cookieSecret, logger }: ProviderDeps): Provider {
  const { ttl } = config;
  const clientsById = new Map(config.clients.map((c) => [c.clientId, c]));

  const provider = new Provider(config.issuer, {
    adapter: MemoryAdapter,
    clients: config.clients.map(clientMetadata),
    jwks: providerJwks(keyFile),
    findAccount: (_ctx: unknown, sub: string) => providerAccount(accounts, sub),

    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub'],
      profile: ['name', 'nickname', 'given_name', 'family_name', 'picture', 'updated_at'],
      email: ['email', 'email_verified'],
    },
    // Auth0 puts the profile claims into the ID token even for response_type=code.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_post', 'client_secret_basic', 'none'],
    routes: ROUTES,
    extraParams: [AUTO_CONSENT_PARAM],

    cookies: {
      keys: [cookieSecret],
      names: { session: 'did_session', interaction: 'did_interaction', resume: 'did_interaction_resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },

    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: {
        enabled: true,
        // A client may revoke only its own tokens (Auth0: refresh tokens of the calling client).
        async allowedPolicy(_ctx: unknown, client: { clientId: string }, token: { clientId: string }) {
          if (token.clientId === client.clientId) return true;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      introspection: { enabled: false },
      registration: { enabled: false },
      userinfo: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: any, form: string) {
          const client = ctx.oidc.client;
          ctx.type = 'html';
          ctx.body = logoutPage(form, client?.clientName ?? client?.clientId, Boolean(ctx.oidc.entities.IdTokenHint));
        },
        async postLogoutSuccessSource(ctx: any) {
          ctx.type = 'html';
          ctx.body = loggedOutPage(ctx.oidc.client?.clientName);
        },
      },
      resourceIndicators: {
        enabled: true,
        // Tenant default audience (DEV_IDP_DEFAULT_AUDIENCE) for authorization requests without one.
        async defaultResource(ctx: any, _client: unknown, oneOf?: string[]) {
          if (oneOf) return oneOf;
          const route = ctx.oidc.route;
          return route === 'authorization' || route === 'pushed_authorization_request' ? config.defaultAudience : undefined;
        },
        // The audience of the authorization request applies at the token endpoint too (Auth0).
        async useGrantedResource() {
          return true;
        },
        getResourceServerInfo: makeGetResourceServerInfo(config),
      },
    },

    formats: { customizers: { jwt: makeJwtCustomizer(config, accounts) } },
    loadExistingGrant: makeLoadExistingGrant(config, accounts),
    interactions: { url: async (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },

    // Auth0 "Allowed Web Origins": CORS for the token/userinfo/revocation endpoints.
    clientBasedCORS(_ctx: unknown, origin: string, client: { clientId: string }) {
      return clientsById.get(client.clientId)?.webOrigins.includes(origin) ?? false;
    },

    async renderError(ctx: any, out: Record<string, string>, error: Error) {
      logger.warn({ event: 'error.rendered', error: out.error, error_description: out.error_description, path: ctx.path }, error.message);
      ctx.type = 'html';
      ctx.body = errorPage('Something went wrong', { error: out.error, error_description: out.error_description });
    },

    ttl: {
      AccessToken: () => ttl.accessToken,
      ClientCredentials: () => ttl.clientCredentials,
      IdToken: () => ttl.idToken,
      RefreshToken: () => ttl.refreshToken,
      AuthorizationCode: () => ttl.authorizationCode,
      Session: () => ttl.session,
      Interaction: () => ttl.interaction,
      Grant: () => ttl.grant,
      DeviceCode: () => 600,
      BackchannelAuthenticationRequest: () => 600,
      PreAuthorizedCode: () => 600,
    },
  });
  provider.proxy = config.trustProxy;

  // Order matters: these run before oidc-provider's own routing.
  provider.use(auth0CompatMiddleware({ provider, config, accounts, logger, publicKeys: () => publicKeys(keyFile) }));
  provider.use(interactionsMiddleware({ provider, config, accounts, logger }));

  for (const event of ['grant.error', 'authorization.error', 'end_session.error', 'revocation.error', 'userinfo.error', 'server_error'] as const) {
    provider.on(event, (_ctx: unknown, err: any) => {
      const level = event === 'server_error' ? 'error' : 'warn';
      logger[level](
        {
          event,
          error: err?.error ?? err?.name,
          error_description: err?.error_description ?? err?.message,
          error_detail: err?.error_detail,
          client_id: (_ctx as any)?.oidc?.client?.clientId,
        },
        'request refused',
      );
    });
  }
  provider.on('grant.success', (ctx: any) => {
    logger.info({ event: 'grant.success', grant_type: ctx.oidc.params?.grant_type, client_id: ctx.oidc.client?.clientId, sub: ctx.oidc.account?.accountId }, 'tokens issued');
  });
  provider.on('end_session.success', (ctx: any) => {
    logger.info({ event: 'logout', via: '/oidc/logout', client_id: ctx.oidc.client?.clientId }, 'session ended');
  });

  return provider;
}
