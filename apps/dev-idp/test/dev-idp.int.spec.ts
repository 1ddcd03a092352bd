// dev-idp against real HTTP: the built provider runs as a child process on a free port.
import { createPublicKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  authorize,
  clientCredentialsRequest,
  CookieJar,
  decodeJwt,
  DEV_IDP_DEFAULTS,
  DEV_IDP_USERS,
  LoginError,
  OAuthError,
  pkcePair,
  tokenRequest,
} from '@auth-bus/testing';
import { devIdpForSuite } from './support/dev-idp-for-suite.js';

const API = DEV_IDP_DEFAULTS.audience;
const WEB = DEV_IDP_DEFAULTS.webClient;
const M2M = DEV_IDP_DEFAULTS.m2mClient;

const idp = devIdpForSuite();

/** Verifies an RS256 JWT against the published JWKS, as a resource server would. */
async function verify(token: string, audience: string | string[]): Promise<jwt.JwtPayload> {
  const { header } = decodeJwt(token);
  const jwk = (await idp().jwks()).keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`kid ${header.kid} is not in the JWKS`);
  return jwt.verify(token, createPublicKey({ key: jwk, format: 'jwk' }), {
    algorithms: ['RS256'],
    issuer: idp().issuer,
    audience: Array.isArray(audience) ? (audience as [string, ...string[]]) : audience,
  }) as jwt.JwtPayload;
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('discovery and JWKS', () => {
  it('publishes Auth0-style metadata with the exact issuer', async () => {
    const res = await fetch(idp().discoveryUrl, { headers: { origin: 'http://localhost:3001' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3001');
    const d = (await res.json()) as Record<string, any>;
    const base = idp().issuer;
    expect(d.issuer).toBe(base);
    expect(base).toMatch(/^http:\/\/localhost:\d+\/$/);
    expect(d).toMatchObject({
      authorization_endpoint: `${base}authorize`,
      token_endpoint: `${base}oauth/token`,
      userinfo_endpoint: `${base}userinfo`,
      jwks_uri: `${base}.well-known/jwks.json`,
      end_session_endpoint: `${base}oidc/logout`,
      revocation_endpoint: `${base}oauth/revoke`,
    });
    expect(d.response_types_supported).toContain('code');
    expect(d.code_challenge_methods_supported).toContain('S256');
    expect(d.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(d.id_token_signing_alg_values_supported).toEqual(['RS256']);
    expect(d.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    expect(d.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_post', 'client_secret_basic']));
    expect(d.claims_supported).toEqual(expect.arrayContaining(['sub', 'name', 'email', 'email_verified', 'picture']));
    expect(d).not.toHaveProperty('registration_endpoint');
    expect(d).not.toHaveProperty('introspection_endpoint');
  });

  it('publishes RSA public keys only, with CORS', async () => {
    const res = await fetch(idp().jwksUri, { headers: { origin: 'http://elsewhere.test' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://elsewhere.test');
    const { keys } = (await res.json()) as { keys: Array<Record<string, string>> };
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
      expect(typeof key.kid).toBe('string');
      expect(Buffer.from(key.n, 'base64url').length).toBe(256);
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
    }
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${idp().issuer}healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', issuer: idp().issuer, users: 3 });
  });
});

describe('authorization code + PKCE login', () => {
  it('logs alice in over HTTP and issues an ID token and an Auth0-shaped access token', async () => {
    const result = await idp().login('alice');
    expect(result.pages).toEqual(['login']); // first-party client: no consent page
    const { tokens } = result;
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.expires_in).toBe(86_400);
    expect(typeof tokens.refresh_token).toBe('string');
    expect(tokens.scope!.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));

    const id = await verify(tokens.id_token!, WEB.clientId);
    expect(id).toMatchObject({
      iss: idp().issuer,
      sub: 'auth0|alice',
      aud: WEB.clientId,
      nonce: result.nonce,
      name: 'Alice Example',
      email: 'alice@example.com',
      email_verified: true,
    });
    expect(id.picture).toMatch(/^http:\/\/localhost:\d+\/avatars\/auth0%7Calice\.svg$/);
    expect(decodeJwt(tokens.id_token!).header.alg).toBe('RS256');
    const avatar = await fetch(id.picture as string);
    expect(avatar.headers.get('content-type')).toBe('image/svg+xml');

    const { header } = decodeJwt(tokens.access_token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const at = await verify(tokens.access_token, API);
    expect(at.aud).toEqual([API, `${idp().issuer}userinfo`]);
    expect(at).toMatchObject({ iss: idp().issuer, sub: 'auth0|alice', azp: WEB.clientId, permissions: ['read:messages', 'read:audit', 'admin:sessions'] });
    expect(String(at.scope).split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    expect(at.exp! - at.iat!).toBe(86_400);
    expect(at).not.toHaveProperty('client_id');
  });

  it('serves /userinfo for the API access token, as Auth0 does', async () => {
    const { access_token } = await idp().tokenFor('alice');
    const res = await fetch(`${idp().issuer}userinfo`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: 'auth0|alice', name: 'Alice Example', email: 'alice@example.com', email_verified: true });
    const forged = `${access_token.slice(0, -4)}AAAA`;
    const bad = await fetch(`${idp().issuer}userinfo`, { headers: { authorization: `Bearer ${forged}` } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/invalid_token/);
  });

  it('gives bob no permissions, and API scopes only to users who hold them (RBAC)', async () => {
    const bob = await idp().tokenFor('bob', { scope: 'openid profile email read:messages' });
    const bobAt = await verify(bob.access_token, API);
    expect(bobAt.sub).toBe('auth0|bob');
    expect(bobAt.permissions).toEqual([]);
    expect(String(bobAt.scope).split(' ')).not.toContain('read:messages');
    expect((await verify(bob.id_token!, WEB.clientId)).name).toBe('Bob Example');

    const alice = await idp().tokenFor('alice', { scope: 'openid read:messages' });
    expect(String((await verify(alice.access_token, API)).scope).split(' ')).toContain('read:messages');
  });

  it('refuses a wrong password with a clear error on the login page', async () => {
    const attempt = authorize({ issuer: idp().issuer, email: DEV_IDP_USERS.alice.email, password: 'not-her-password' });
    await expect(attempt).rejects.toBeInstanceOf(LoginError);
    const err = (await attempt.catch((e) => e)) as LoginError;
    expect(err.status).toBe(401);
    expect(err.message).toBe('Wrong email or password.');
    expect(err.page).toContain('value="alice@example.com"');
    expect(err.page).not.toContain('not-her-password');
    await expect(authorize({ issuer: idp().issuer, email: 'mallory@example.com', password: 'x' })).rejects.toThrow('Wrong email or password.');
  });

  it('renders an accessible login page that fits a small popup', async () => {
    const jar = new CookieJar();
    const url = new URL('authorize', idp().issuer);
    const params = { client_id: WEB.clientId, redirect_uri: WEB.redirectUri, response_type: 'code', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', audience: API };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const start = await jar.fetch(url);
    expect(start.status).toBe(303);
    const page = await jar.fetch(new URL(start.headers.get('location')!, url));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(/<label for="username">/);
    expect(html).toMatch(/<input id="username" name="username" type="email"/);
    expect(html).toMatch(/<label for="password">/);
    expect(html).toMatch(/<input id="password" name="password" type="password"/);
    expect(html).toContain('<button type="submit">Log in</button>');
    expect(html).toMatch(/not for production/i);
    expect(html).not.toMatch(/https?:\/\/(?!localhost)[^"'\s]+\.(css|js|woff2?)/); // nothing from the internet
  });

  it('requires the PKCE verifier that matches the challenge', async () => {
    const result = await authorize({ issuer: idp().issuer, ...DEV_IDP_USERS.alice });
    const wrong = await tokenRequest(
      idp().issuer,
      { grant_type: 'authorization_code', code: result.params.get('code')!, redirect_uri: WEB.redirectUri, code_verifier: 'a'.repeat(43) },
      WEB,
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
  });

  it('accepts HTTP Basic client authentication and JSON bodies at the token endpoint', async () => {
    const basic = await idp().login('alice', { clientAuth: 'basic' });
    expect(typeof basic.tokens.access_token).toBe('string');

    const result = await authorize({ issuer: idp().issuer, ...DEV_IDP_USERS.alice });
    const json = await tokenRequest(
      idp().issuer,
      { grant_type: 'authorization_code', code: result.params.get('code')!, redirect_uri: WEB.redirectUri, code_verifier: result.codeVerifier },
      WEB,
      'json',
    );
    expect(json.status).toBe(200);
    expect((await verify(json.body.access_token, API)).sub).toBe('auth0|alice');
  });

  it('keeps the login session: a second authorization needs no password (SSO)', async () => {
    const first = await idp().login('alice');
    const second = await idp().login('alice', { jar: first.jar, password: 'wrong-but-unused' });
    expect(second.pages).toEqual([]);
    expect((await verify(second.tokens.access_token, API)).sub).toBe('auth0|alice');
  });

  it('gives the consent it adds itself (offline_access) with the login: one interaction, straight back to the client', async () => {
    class RecordingJar extends CookieJar {
      readonly paths: string[] = [];
      override fetch(url: URL | string, init?: RequestInit): Promise<Response> {
        this.paths.push(new URL(url).pathname);
        return super.fetch(url, init);
      }
    }
    const jar = new RecordingJar();
    const result = await idp().login('alice', { jar });
    expect(result.pages).toEqual(['login']);
    // /authorize → /interaction/<uid> (login page) → POST …/login → /authorize/<uid> → callback
    expect(jar.paths.filter((p) => p.startsWith('/interaction/'))).toHaveLength(2);
    expect(jar.paths.filter((p) => p.startsWith('/authorize'))).toHaveLength(2);
    expect(result.tokens.refresh_token).toEqual(expect.any(String));
    expect((await verify(result.tokens.access_token, API)).permissions).toEqual(['read:messages', 'read:audit', 'admin:sessions']);
  });

  it('shows the consent page when the client asks for prompt=consent', async () => {
    const granted = await idp().login('alice', { prompt: 'consent' });
    expect(granted.pages).toEqual(['login', 'consent']);
    expect((await verify(granted.tokens.access_token, API)).permissions).toEqual(['read:messages', 'read:audit', 'admin:sessions']);
    const denied = await authorize({ issuer: idp().issuer, ...DEV_IDP_USERS.alice, prompt: 'consent', consent: 'deny' });
    expect(denied.params.get('error')).toBe('access_denied');
  });

  it('without an audience issues an opaque token that only works at /userinfo', async () => {
    const tokens = await idp().tokenFor('alice', { audience: null });
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const res = await fetch(`${idp().issuer}userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: 'auth0|alice', email: 'alice@example.com' });
  });

  it('refuses an unknown audience', async () => {
    const result = await authorize({ issuer: idp().issuer, ...DEV_IDP_USERS.alice, audience: 'https://unknown.example/api' });
    expect(result.params.get('error')).toBe('invalid_target');
    expect(result.params.get('error_description')).toBe('Service not found: https://unknown.example/api');
    expect(result.params.get('state')).toBe(result.state);
    await expect(idp().tokenFor('alice', { audience: 'https://unknown.example/api' })).rejects.toBeInstanceOf(OAuthError);
  });

  it('supports pushed authorization requests (/oauth/par) with audience and offline_access', async () => {
    const pkce = pkcePair();
    const par = await fetch(`${idp().issuer}oauth/par`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WEB.clientId}:${WEB.clientSecret}`).toString('base64')}` },
      body: JSON.stringify({
        response_type: 'code',
        redirect_uri: WEB.redirectUri,
        scope: 'openid profile email offline_access',
        audience: API,
        state: 'par-state',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
    });
    expect(par.status).toBe(201);
    const { request_uri } = (await par.json()) as { request_uri: string };
    const result = await authorize({ issuer: idp().issuer, ...DEV_IDP_USERS.alice, requestUri: request_uri });
    expect(result.params.get('state')).toBe('par-state');
    const tokens = await tokenRequest(
      idp().issuer,
      { grant_type: 'authorization_code', code: result.params.get('code')!, redirect_uri: WEB.redirectUri, code_verifier: pkce.verifier },
      WEB,
    );
    expect(tokens.status).toBe(200);
    expect(typeof tokens.body.refresh_token).toBe('string');
    expect((await verify(tokens.body.access_token, API)).aud).toEqual([API, `${idp().issuer}userinfo`]);
  });

  it('refuses redirect URIs that are not registered, without redirecting', async () => {
    const attempt = authorize({ issuer: idp().issuer, ...DEV_IDP_USERS.alice, redirectUri: 'http://evil.test/callback' });
    await expect(attempt).rejects.toMatchObject({ status: 400 });
  });
});

describe('refresh tokens', () => {
  it('come with offline_access and renew the access token', async () => {
    const first = await idp().tokenFor('alice');
    const renewed = await idp().refresh(first.refresh_token!);
    const at = await verify(renewed.access_token, API);
    expect(at).toMatchObject({ sub: 'auth0|alice', azp: WEB.clientId, permissions: ['read:messages', 'read:audit', 'admin:sessions'] });
    expect(at.aud).toEqual([API, `${idp().issuer}userinfo`]);
    expect((await verify(renewed.id_token!, WEB.clientId)).email).toBe('alice@example.com');
    // the (possibly rotated) refresh token keeps working
    const again = await idp().refresh(renewed.refresh_token ?? first.refresh_token!, { clientAuth: 'basic' });
    expect((await verify(again.access_token, API)).sub).toBe('auth0|alice');
  });

  it('work with a JSON body and the audience parameter, as @auth0/nextjs-auth0 sends it', async () => {
    const first = await idp().tokenFor('alice');
    const res = await tokenRequest(idp().issuer, { grant_type: 'refresh_token', refresh_token: first.refresh_token!, audience: API }, WEB, 'json');
    expect(res.status).toBe(200);
    expect((await verify(res.body.access_token, API)).sub).toBe('auth0|alice');
  });

  it('are not issued without offline_access', async () => {
    const tokens = await idp().tokenFor('alice', { scope: 'openid profile email' });
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('are refused with a wrong client secret, and after revocation', async () => {
    const { refresh_token } = await idp().tokenFor('alice');
    await expect(idp().refresh(refresh_token!, { clientSecret: 'wrong' })).rejects.toMatchObject({ error: 'invalid_client' });
    const revoke = await fetch(`${idp().issuer}oauth/revoke`, form({ token: refresh_token!, client_id: WEB.clientId, client_secret: WEB.clientSecret }));
    expect(revoke.status).toBe(200);
    await expect(idp().refresh(refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});

describe('client credentials (machine to machine)', () => {
  it.each(['form', 'json'] as const)('issue an API token with all permissions (%s body)', async (encoding) => {
    const res = await clientCredentialsRequest({ issuer: idp().issuer, encoding });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 86_400, scope: 'read:messages read:audit' });
    const at = await verify(res.body.access_token, API);
    expect(at).toMatchObject({
      iss: idp().issuer,
      sub: `${M2M.clientId}@clients`,
      aud: API,
      azp: M2M.clientId,
      gty: 'client-credentials',
      scope: 'read:messages read:audit',
      permissions: ['read:messages', 'read:audit'],
    });
  });

  it('work with HTTP Basic authentication, and narrow to the requested scope', async () => {
    const res = await clientCredentialsRequest({ issuer: idp().issuer, clientAuth: 'basic', scope: 'read:messages' });
    expect(res.status).toBe(200);
    expect((await verify(res.body.access_token, API)).permissions).toEqual(['read:messages']);
  });

  it.each(['form', 'json'] as const)('fail with a wrong secret (%s body)', async (encoding) => {
    const res = await clientCredentialsRequest({ issuer: idp().issuer, encoding, clientSecret: 'not-the-secret' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body).not.toHaveProperty('access_token');
  });

  it('refuse unknown audiences, a missing audience and scopes beyond the client grant', async () => {
    const unknown = await clientCredentialsRequest({ issuer: idp().issuer, audience: 'https://unknown.example/api' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'invalid_target', error_description: 'Service not found: https://unknown.example/api' });
    const missing = await clientCredentialsRequest({ issuer: idp().issuer, audience: null });
    expect(missing.status).toBe(403);
    expect(missing.body.error).toBe('access_denied');
    const beyond = await clientCredentialsRequest({ issuer: idp().issuer, scope: 'delete:everything' });
    expect(beyond.status).toBe(403);
    expect(beyond.body.error_description).toMatch(/not been granted scopes: delete:everything/);
  });

  it('are not available to the web client', async () => {
    const res = await clientCredentialsRequest({ issuer: idp().issuer, clientId: WEB.clientId, clientSecret: WEB.clientSecret });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('unauthorized_client');
  });

  it('allow CORS only from the web client’s origins', async () => {
    const preflight = await fetch(`${idp().issuer}oauth/token`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3001', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    const ok = await fetch(`${idp().issuer}oauth/token`, { ...form({ grant_type: 'client_credentials', client_id: M2M.clientId, client_secret: M2M.clientSecret, audience: API }), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.test' } });
    expect(ok.status).toBe(400);
    expect(ok.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('logout', () => {
  async function loginPageShown(jar: CookieJar): Promise<boolean> {
    const again = await authorize({ issuer: idp().issuer, ...DEV_IDP_USERS.alice, jar });
    return again.pages.includes('login');
  }

  it('/v2/logout ends the session and redirects to an allowed returnTo', async () => {
    const { jar } = await idp().login('alice');
    expect(await loginPageShown(jar)).toBe(false);
    const res = await jar.fetch(`${idp().issuer}v2/logout?returnTo=${encodeURIComponent('http://localhost:3001')}&client_id=${WEB.clientId}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://localhost:3001/');
    expect(await loginPageShown(jar)).toBe(true);
  });

  it('/v2/logout refuses a returnTo that is not an allowed logout URL', async () => {
    const res = await fetch(`${idp().issuer}v2/logout?returnTo=${encodeURIComponent('http://evil.test/')}&client_id=${WEB.clientId}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Allowed Logout URLs');
  });

  it('/oidc/logout with id_token_hint signs out without a prompt and returns to post_logout_redirect_uri', async () => {
    const { jar, tokens } = await idp().login('alice');
    const url = new URL('oidc/logout', idp().issuer);
    url.searchParams.set('id_token_hint', tokens.id_token!);
    url.searchParams.set('client_id', WEB.clientId);
    url.searchParams.set('post_logout_redirect_uri', 'http://localhost:3001/auth/logged-out');
    url.searchParams.set('state', 'st4te');
    const page = await jar.fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("document.getElementById('op.logoutForm').submit()");
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)">/.exec(html)![1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1];
    const done = await jar.fetch(new URL(action, url), form({ xsrf, logout: 'yes' }));
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('http://localhost:3001/auth/logged-out?state=st4te');
    expect(await loginPageShown(jar)).toBe(true);
  });

  it('/oidc/logout without id_token_hint asks for confirmation (app base URL without trailing slash)', async () => {
    const { jar } = await idp().login('alice');
    const url = new URL('oidc/logout', idp().issuer);
    url.searchParams.set('client_id', WEB.clientId);
    url.searchParams.set('post_logout_redirect_uri', 'http://localhost:3001');
    const page = await jar.fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain('.submit()');
    expect(html).toContain('Yes, sign me out');
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)">/.exec(html)![1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1];
    const done = await jar.fetch(new URL(action, url), form({ xsrf, logout: 'yes' }));
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('http://localhost:3001/');
    expect(await loginPageShown(jar)).toBe(true);
  });

  it('/oidc/logout refuses an unregistered post_logout_redirect_uri', async () => {
    const url = new URL('oidc/logout', idp().issuer);
    url.searchParams.set('client_id', WEB.clientId);
    url.searchParams.set('post_logout_redirect_uri', 'http://evil.test/');
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
  });
});
