import { randomBytes } from 'node:crypto';
import { CookieJar } from './cookie-jar';
import { DEV_IDP_DEFAULTS } from './dev-idp-defaults';
import { alertText, forms } from './html-forms';
import { b64url, pkcePair } from './pkce';

/** Drives the provider's /authorize over HTTP like a browser would (redirects, login form, consent). */
/** Thrown when the login does not reach the redirect URI (wrong password, error page, …). */
export class LoginError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly page: string,
  ) {
    super(message);
    this.name = 'LoginError';
  }
}

/** Thrown when the provider redirects back with `error=` (or the token endpoint refuses). */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly errorDescription: string | undefined,
    readonly status?: number,
  ) {
    super(`${error}${errorDescription ? `: ${errorDescription}` : ''}`);
    this.name = 'OAuthError';
  }
}

export interface AuthorizeOptions {
  /** Issuer with trailing slash, e.g. `http://localhost:4400/`. */
  issuer: string;
  email: string;
  password: string;
  clientId?: string;
  redirectUri?: string;
  /** Default `openid profile email offline_access` (what @auth0/nextjs-auth0 asks for). */
  scope?: string;
  /** Auth0 `audience`; default the dev API; `null` = none (opaque token for /userinfo only). */
  audience?: string | null;
  prompt?: string;
  /** Answer a consent page with Allow (default) or Deny. */
  consent?: 'allow' | 'deny';
  /** Reuse a browser (to test SSO sessions and logout). */
  jar?: CookieJar;
  extraParams?: Record<string, string>;
  /**
   * A `request_uri` from /oauth/par: the query then carries only client_id and request_uri, and
   * state/PKCE/nonce are the ones the caller pushed (the returned ones are unused).
   */
  requestUri?: string;
}

export interface AuthorizeResult {
  /** The redirect back to redirect_uri, with `code` or `error`. */
  callback: URL;
  params: URLSearchParams;
  codeVerifier: string;
  state: string;
  nonce: string;
  jar: CookieJar;
  /** Pages passed through: 'login', 'consent'. */
  pages: string[];
}

/**
 * Drives /authorize like a browser: follows redirects, fills the login form (ids `username`,
 * `password`), answers consent, and stops at the redirect to `redirectUri`. Does not throw on an
 * `error=` redirect (see `params`); throws LoginError when the login page refuses.
 */
export async function authorize(opts: AuthorizeOptions): Promise<AuthorizeResult> {
  const redirectUri = opts.redirectUri ?? DEV_IDP_DEFAULTS.webClient.redirectUri;
  const jar = opts.jar ?? new CookieJar();
  const { verifier, challenge } = pkcePair();
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const url = new URL('authorize', opts.issuer);
  const params: Record<string, string> = {
    client_id: opts.clientId ?? DEV_IDP_DEFAULTS.webClient.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    response_mode: 'query',
    scope: opts.scope ?? DEV_IDP_DEFAULTS.scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(opts.audience === null ? {} : { audience: opts.audience ?? DEV_IDP_DEFAULTS.audience }),
    ...(opts.prompt ? { prompt: opts.prompt } : {}),
    ...opts.extraParams,
  };
  const query = opts.requestUri ? { client_id: params.client_id, request_uri: opts.requestUri } : params;
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);

  const pages: string[] = [];
  let current = url;
  let res = await jar.fetch(current);
  let postedLogin = false;
  for (let step = 0; step < 25; step++) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') ?? '', current);
      await res.body?.cancel();
      if (`${next.origin}${next.pathname}` === redirectUri.split('?')[0]) {
        return { callback: next, params: next.searchParams, codeVerifier: verifier, state, nonce, jar, pages };
      }
      current = next;
      res = await jar.fetch(current);
      continue;
    }
    const page = await res.text();
    if (res.status === 200 || res.status === 401) {
      const all = forms(page);
      const login = all.find((f) => /name="password"/.test(f.html));
      if (login) {
        if (postedLogin) throw new LoginError(alertText(page) ?? `login refused (HTTP ${res.status})`, res.status, page);
        postedLogin = true;
        pages.push('login');
        current = new URL(login.action, current);
        res = await jar.fetch(current, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...login.hidden, username: opts.email, password: opts.password }) });
        continue;
      }
      const consent = all.find((f) => /\/confirm$/.test(f.action));
      if (consent) {
        pages.push('consent');
        const choice = opts.consent === 'deny' ? all.find((f) => /\/abort$/.test(f.action))! : consent;
        current = new URL(choice.action, current);
        res = await jar.fetch(current, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(choice.hidden) });
        continue;
      }
    }
    throw new LoginError(alertText(page) ?? `unexpected HTTP ${res.status} at ${current.pathname}`, res.status, page);
  }
  throw new LoginError('too many redirects', 0, '');
}
