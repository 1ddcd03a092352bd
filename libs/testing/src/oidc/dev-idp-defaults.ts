/** dev-idp's development defaults and seeded users (apps/dev-idp/README.md), for tests that log in. */
/** The development defaults of dev-idp (apps/dev-idp/README.md). */
export const DEV_IDP_DEFAULTS = {
  audience: 'http://localhost:8888/api',
  webClient: { clientId: 'component-web', clientSecret: 'component-web-dev-secret', redirectUri: 'http://localhost:3001/auth/callback' },
  m2mClient: { clientId: 'dev-m2m', clientSecret: 'dev-m2m-secret' },
  scope: 'openid profile email offline_access',
} as const;

export const DEV_IDP_USERS = {
  alice: { email: 'alice@example.com', password: 'alice-password', sub: 'auth0|alice', name: 'Alice Example', permissions: ['read:messages', 'read:audit', 'admin:sessions'] },
  bob: { email: 'bob@example.com', password: 'bob-password', sub: 'auth0|bob', name: 'Bob Example', permissions: [] as string[] },
  carol: { email: 'carol@example.com', password: 'carol-password', sub: 'auth0|carol', name: 'Carol Example', permissions: ['read:messages'] },
} as const;

export type DevIdpUser = keyof typeof DEV_IDP_USERS;

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
}
