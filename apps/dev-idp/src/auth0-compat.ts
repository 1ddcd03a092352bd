// Auth0 behaviour on top of oidc-provider, as Koa middleware that runs before it:
//  - `audience` (Auth0's parameter) becomes `resource` (RFC 8707, what oidc-provider reads) on
//    /authorize, /oauth/par and /oauth/token;
//  - `offline_access` works without prompt=consent for first-party clients (see AUTO_CONSENT_PARAM);
//  - the token, revocation and PAR endpoints accept JSON bodies as well as forms, and client
//    authentication by HTTP Basic as well as in the body (client_secret_basic and _post);
//  - client credentials follow Auth0's rules: an audience is required (or the tenant default),
//    the client needs a client grant for that API, and without `scope` it gets every permission
//    of its grant;
//  - GET /v2/logout?returnTo=…&client_id=… (Auth0's own logout);
//  - /userinfo accepts the JWT access tokens issued for the API (their `aud` includes the
//    userinfo URL, as Auth0's do).
import { createPublicKey, timingSafeEqual, type JsonWebKey } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import jwt from 'jsonwebtoken';
import type Provider from 'oidc-provider';
import type { KoaContext, KoaNext } from 'oidc-provider';
import type { AccountStore } from './accounts.js';
import { userinfoUrl, type ClientConfig, type DevIdpConfig } from './config.js';
import { BodyTooLarge, readBody, sendHtml, sendJson } from './http-util.js';
import type { Logger } from './logger.js';
import { errorPage, loggedOutPage } from './views.js';

interface Deps {
  provider: Provider;
  config: DevIdpConfig;
  accounts: AccountStore;
  logger: Logger;
  /** Currently published public keys, by kid. */
  publicKeys: () => Map<string, JsonWebKey>;
}

const BODY_ENDPOINTS = new Set(['/oauth/token', '/oauth/revoke', '/oauth/par', '/authorize']);

/** Decodes one half of an RFC 6749 §2.3.1 Basic credential (form-urlencoded, then base64). */
function decodeBasicPart(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return value;
  }
}

function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { clientId: decodeBasicPart(decoded.slice(0, colon)), clientSecret: decodeBasicPart(decoded.slice(colon + 1)) };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Puts a (rewritten) urlencoded body in place of the original request stream. */
function replaceBody(ctx: KoaContext, params: URLSearchParams, dropAuthorization: boolean): void {
  const original = ctx.req as IncomingMessage & { originalUrl?: string };
  const body = Buffer.from(params.toString(), 'utf8');
  const headers = { ...original.headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  if (dropAuthorization) delete headers.authorization;
  const replacement = Object.assign(Readable.from([body], { objectMode: false }), {
    headers,
    method: original.method,
    url: original.url,
    originalUrl: original.originalUrl,
    httpVersion: original.httpVersion,
    httpVersionMajor: original.httpVersionMajor,
    httpVersionMinor: original.httpVersionMinor,
    socket: original.socket,
    connection: original.socket,
    complete: true,
  });
  ctx.req = replacement;
  ctx.request.req = replacement;
  ctx.response.req = replacement;
}

/** Reads a form or JSON body into URLSearchParams (JSON arrays become repeated parameters). */
async function readParams(ctx: KoaContext): Promise<URLSearchParams | 'unsupported'> {
  const raw = (await readBody(ctx.req)).toString('utf8');
  if (ctx.is('application/x-www-form-urlencoded')) return new URLSearchParams(raw);
  if (!ctx.is('application/json')) return 'unsupported';
  const data = JSON.parse(raw) as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new SyntaxError('JSON body must be an object');
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return params;
}

/**
 * Marks a `prompt=consent` that dev-idp added itself. oidc-provider (following OpenID Connect
 * Core §11) drops `offline_access` unless the request has prompt=consent; Auth0 does not. So for
 * first-party clients allowed refresh tokens, a request with offline_access gets prompt=consent
 * plus this marker, and the interaction answers that consent prompt without showing a page.
 */
export const AUTO_CONSENT_PARAM = 'dev_idp_auto_consent';

function keepOfflineAccess(params: URLSearchParams, clients: Map<string, ClientConfig>): void {
  params.delete(AUTO_CONSENT_PARAM);
  const scopes = (params.get('scope') ?? '').split(' ');
  const prompts = (params.get('prompt') ?? '').split(' ').filter(Boolean);
  const client = clients.get(params.get('client_id') ?? '');
  if (!scopes.includes('offline_access') || !client?.firstParty || !client.grantTypes.includes('refresh_token')) return;
  if (prompts.includes('consent') || prompts.includes('none')) return;
  params.set('prompt', [...prompts, 'consent'].join(' '));
  params.set(AUTO_CONSENT_PARAM, '1');
}

function audienceToResource(params: URLSearchParams): void {
  const audience = params.get('audience');
  params.delete('audience');
  if (audience && !params.has('resource')) params.set('resource', audience);
}

function normalizeUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}

/** Auth0 "Allowed Logout URLs" matching: exact, or the same URL apart from query/fragment. */
export function logoutUrlAllowed(returnTo: string, allowed: string[]): boolean {
  if (allowed.includes(returnTo)) return true;
  const wanted = normalizeUrl(returnTo);
  return wanted !== undefined && allowed.some((a) => normalizeUrl(a) === wanted);
}

export function auth0CompatMiddleware({ provider, config, accounts, logger, publicKeys }: Deps) {
  const clients = new Map(config.clients.map((c) => [c.clientId, c]));

  /**
   * Auth0's answers for an authenticated client: a grant type the client may not use, and the
   * client-credentials rules. Returns an error answer (HTTP 403), or undefined to go on.
   */
  const tokenRequestCheck = (params: URLSearchParams, grantType: string, client: ClientConfig | undefined, secret: string | undefined) => {
    // Unknown client or wrong secret: oidc-provider answers invalid_client itself.
    if (!client?.clientSecret || secret === undefined || !sameSecret(secret, client.clientSecret)) return undefined;
    const known = ['authorization_code', 'refresh_token', 'client_credentials'];
    if (known.includes(grantType) && !(client.grantTypes as string[]).includes(grantType)) {
      return { error: 'unauthorized_client', error_description: `Grant type '${grantType}' not allowed for the client.` };
    }
    if (grantType !== 'client_credentials') return undefined;
    const audience = params.get('resource') ?? config.defaultAudience;
    if (!audience) {
      return { error: 'access_denied', error_description: 'No audience parameter was provided, and no default audience has been configured' };
    }
    params.set('resource', audience);
    if (!config.apis.some((a) => a.identifier === audience)) return undefined; // invalid_target from oidc-provider
    const granted = client.clientGrants[audience];
    if (!granted) {
      return {
        error: 'access_denied',
        error_description: `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API.`,
      };
    }
    const requested = (params.get('scope') ?? '').split(' ').filter(Boolean);
    if (requested.length === 0) {
      if (granted.length) params.set('scope', granted.join(' '));
    } else {
      const missing = requested.filter((s) => !granted.includes(s));
      if (missing.length) return { error: 'access_denied', error_description: `Client has not been granted scopes: ${missing.join(' ')}` };
    }
    return undefined;
  };

  const normalizeBodyEndpoint = async (ctx: KoaContext): Promise<boolean> => {
    let params: URLSearchParams | 'unsupported';
    try {
      params = await readParams(ctx);
    } catch (err) {
      const tooLarge = err instanceof BodyTooLarge;
      sendJson(ctx, tooLarge ? 413 : 400, { error: 'invalid_request', error_description: tooLarge ? 'request body too large' : 'failed to parse the request body' });
      return false;
    }
    if (params === 'unsupported') {
      sendJson(ctx, 400, { error: 'invalid_request', error_description: 'only application/x-www-form-urlencoded or application/json bodies are supported' });
      return false;
    }
    audienceToResource(params);

    let dropAuthorization = false;
    const basic = ctx.path === '/authorize' ? undefined : basicCredentials(ctx.get('authorization'));
    if (basic && !params.has('client_secret') && !params.has('client_assertion')) {
      if (params.has('client_id') && params.get('client_id') !== basic.clientId) {
        sendJson(ctx, 400, { error: 'invalid_request', error_description: 'client_id in the body does not match the Authorization header' });
        return false;
      }
      params.set('client_id', basic.clientId);
      params.set('client_secret', basic.clientSecret);
      dropAuthorization = true;
    }

    if (ctx.path === '/authorize' || ctx.path === '/oauth/par') keepOfflineAccess(params, clients);

    if (ctx.path === '/oauth/token') {
      const clientId = params.get('client_id') ?? '';
      const grantType = params.get('grant_type') ?? '';
      const problem = tokenRequestCheck(params, grantType, clients.get(clientId), params.get('client_secret') ?? undefined);
      if (problem) {
        logger.warn({ event: 'token.refused', client_id: clientId, grant_type: grantType, error: problem.error }, problem.error_description);
        sendJson(ctx, 403, problem);
        return false;
      }
    }

    replaceBody(ctx, params, dropAuthorization);
    return true;
  };

  const v2Logout = async (ctx: KoaContext) => {
    const returnTo = typeof ctx.query.returnTo === 'string' ? ctx.query.returnTo : undefined;
    const clientId = typeof ctx.query.client_id === 'string' ? ctx.query.client_id : undefined;
    let allowed: string[];
    if (clientId) {
      const client = clients.get(clientId);
      if (!client) {
        sendHtml(ctx, 400, errorPage('Logout failed', { error: 'invalid_request', error_description: `Unknown client_id "${clientId}".` }));
        return;
      }
      allowed = client.postLogoutRedirectUris;
    } else {
      allowed = config.clients.flatMap((c) => c.postLogoutRedirectUris);
    }
    if (returnTo && !logoutUrlAllowed(returnTo, allowed)) {
      sendHtml(
        ctx,
        400,
        errorPage('Logout failed', {
          error: 'invalid_request',
          error_description: `The "returnTo" querystring parameter "${returnTo}" is not defined as a valid URL in "Allowed Logout URLs".`,
        }),
      );
      return;
    }
    const session = await provider.Session.get(ctx);
    const sub: string | undefined = session.accountId;
    if (!session.new) await session.destroy();
    ctx.cookies.set(provider.cookieName('session'), null, { httpOnly: true, sameSite: 'lax', path: '/' });
    logger.info({ event: 'logout', via: '/v2/logout', client_id: clientId, sub }, 'session ended');
    if (returnTo) {
      ctx.set('Cache-Control', 'no-store');
      ctx.redirect(returnTo);
      return;
    }
    sendHtml(ctx, 200, loggedOutPage(clientId ? clients.get(clientId)?.name : undefined));
  };

  /** /userinfo with one of our JWT access tokens; returns false to let oidc-provider answer. */
  const jwtUserinfo = async (ctx: KoaContext): Promise<boolean> => {
    const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/i.exec(ctx.get('authorization'));
    if (!match) return false;
    const token = match[1];
    const origin = ctx.get('origin');
    if (origin) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.vary('Origin');
    }
    const fail = (description: string) => {
      ctx.set('WWW-Authenticate', `Bearer realm="${config.issuer}", error="invalid_token", error_description="${description}"`);
      sendJson(ctx, 401, { error: 'invalid_token', error_description: description });
      return true;
    };
    const decoded = jwt.decode(token, { complete: true });
    const jwk = decoded?.header.kid ? publicKeys().get(decoded.header.kid) : undefined;
    if (!jwk) return fail('invalid token provided');
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, createPublicKey({ key: jwk, format: 'jwk' }), {
        algorithms: ['RS256'],
        issuer: config.issuer,
        audience: userinfoUrl(config),
      }) as jwt.JwtPayload;
    } catch {
      return fail('invalid token provided');
    }
    const scopes = new Set(String(payload.scope ?? '').split(' '));
    if (!scopes.has('openid')) return fail('access token missing openid scope');
    const user = payload.sub ? accounts.find(payload.sub) : undefined;
    if (!user) return fail('invalid token provided');
    const all = accounts.claims(user);
    const claims: Record<string, unknown> = { sub: all.sub };
    if (scopes.has('profile')) {
      Object.assign(claims, { name: all.name, nickname: all.nickname, given_name: all.given_name, family_name: all.family_name, picture: all.picture, updated_at: all.updated_at });
    }
    if (scopes.has('email')) Object.assign(claims, { email: all.email, email_verified: all.email_verified });
    sendJson(ctx, 200, Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined)));
    return true;
  };

  return async function auth0Compat(ctx: KoaContext, next: KoaNext) {
    const { path, method } = ctx;
    if (path === '/v2/logout' && method === 'GET') return v2Logout(ctx);
    if (path === '/userinfo' && (method === 'GET' || method === 'POST') && (await jwtUserinfo(ctx))) return;
    if (path === '/authorize' && method === 'GET') {
      const params = new URLSearchParams(ctx.querystring);
      audienceToResource(params);
      keepOfflineAccess(params, clients);
      ctx.querystring = params.toString();
    }
    if (method === 'POST' && BODY_ENDPOINTS.has(path) && ctx.get('content-type')) {
      if (!(await normalizeBodyEndpoint(ctx))) return;
    }
    return next();
  };
}
