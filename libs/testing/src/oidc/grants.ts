import { DEV_IDP_DEFAULTS, type TokenResponse } from './dev-idp-defaults';
import { authorize, OAuthError, type AuthorizeOptions, type AuthorizeResult } from './login-driver';

/** The OAuth grants against the provider's /oauth/token: code exchange, client credentials, refresh. */
export interface ClientAuth {
  clientId: string;
  clientSecret?: string;
  /** `post` (client_secret_post, default) or `basic` (HTTP Basic). */
  method?: 'post' | 'basic';
}

/** POSTs to /oauth/token; `encoding: 'json'` sends a JSON body as Auth0 allows. */
export async function tokenRequest(
  issuer: string,
  params: Record<string, string | undefined>,
  auth: ClientAuth,
  encoding: 'form' | 'json' = 'form',
): Promise<{ status: number; body: any }> {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) fields[k] = v;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (auth.method === 'basic') {
    const enc = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${enc(auth.clientId)}:${enc(auth.clientSecret ?? '')}`).toString('base64')}`;
  } else {
    fields.client_id = auth.clientId;
    if (auth.clientSecret !== undefined) fields.client_secret = auth.clientSecret;
  }
  const body = encoding === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  headers['content-type'] = encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  const res = await fetch(new URL('oauth/token', issuer), { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { error: 'invalid_response', error_description: text.slice(0, 200) };
  }
  return { status: res.status, body: parsed };
}

function tokensOrThrow(r: { status: number; body: any }): TokenResponse {
  if (r.status !== 200 || typeof r.body?.access_token !== 'string') {
    throw new OAuthError(r.body?.error ?? 'token_request_failed', r.body?.error_description, r.status);
  }
  return r.body as TokenResponse;
}

export interface LoginOptions extends AuthorizeOptions {
  clientSecret?: string;
  clientAuth?: 'post' | 'basic';
}

export interface LoginResult extends AuthorizeResult {
  tokens: TokenResponse;
}

/** The whole authorization code + PKCE flow: login over HTTP, then the code exchange. */
export async function authorizationCodeLogin(opts: LoginOptions): Promise<LoginResult> {
  const result = await authorize(opts);
  const error = result.params.get('error');
  if (error) throw new OAuthError(error, result.params.get('error_description') ?? undefined);
  if (result.params.get('state') !== result.state) throw new OAuthError('state_mismatch', 'the state in the callback does not match');
  const code = result.params.get('code');
  if (!code) throw new OAuthError('missing_code', 'no code in the callback');
  const tokens = tokensOrThrow(
    await tokenRequest(
      opts.issuer,
      { grant_type: 'authorization_code', code, redirect_uri: opts.redirectUri ?? DEV_IDP_DEFAULTS.webClient.redirectUri, code_verifier: result.codeVerifier },
      {
        clientId: opts.clientId ?? DEV_IDP_DEFAULTS.webClient.clientId,
        clientSecret: opts.clientSecret ?? (opts.clientId ? undefined : DEV_IDP_DEFAULTS.webClient.clientSecret),
        method: opts.clientAuth,
      },
    ),
  );
  return { ...result, tokens };
}

export interface ClientCredentialsOptions {
  issuer: string;
  clientId?: string;
  clientSecret?: string;
  /** Default the dev API; `null` sends none. */
  audience?: string | null;
  scope?: string;
  encoding?: 'form' | 'json';
  clientAuth?: 'post' | 'basic';
}

/** Raw client-credentials request (status + body), for tests of refusals. */
export function clientCredentialsRequest(opts: ClientCredentialsOptions): Promise<{ status: number; body: any }> {
  return tokenRequest(
    opts.issuer,
    { grant_type: 'client_credentials', audience: opts.audience === null ? undefined : (opts.audience ?? DEV_IDP_DEFAULTS.audience), scope: opts.scope },
    {
      clientId: opts.clientId ?? DEV_IDP_DEFAULTS.m2mClient.clientId,
      clientSecret: opts.clientSecret ?? DEV_IDP_DEFAULTS.m2mClient.clientSecret,
      method: opts.clientAuth,
    },
    opts.encoding,
  );
}

export async function clientCredentialsToken(opts: ClientCredentialsOptions): Promise<TokenResponse> {
  return tokensOrThrow(await clientCredentialsRequest(opts));
}

export async function refreshTokens(
  issuer: string,
  refreshToken: string,
  opts: { clientId?: string; clientSecret?: string; clientAuth?: 'post' | 'basic'; scope?: string; audience?: string } = {},
): Promise<TokenResponse> {
  return tokensOrThrow(
    await tokenRequest(
      issuer,
      { grant_type: 'refresh_token', refresh_token: refreshToken, scope: opts.scope, audience: opts.audience },
      {
        clientId: opts.clientId ?? DEV_IDP_DEFAULTS.webClient.clientId,
        clientSecret: opts.clientSecret ?? DEV_IDP_DEFAULTS.webClient.clientSecret,
        method: opts.clientAuth,
      },
    ),
  );
}

/** Header and payload of a JWT, unverified (verify with jsonwebtoken/jwks-rsa in the test). */
export function decodeJwt(token: string): { header: Record<string, any>; payload: Record<string, any> } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) };
}
