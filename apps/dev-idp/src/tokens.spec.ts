import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { AccountStore } from './accounts.js';
import { loadConfig } from './config.js';
import { makeJwtCustomizer } from './tokens.js';

// oidc-provider is ESM-only (jest runs CommonJS here); the customizer needs only its error class
jest.mock('oidc-provider', () => ({ errors: { InvalidTarget: class InvalidTarget extends Error {} } }));

const APP_ROOT = join(__dirname, '..');

/** What oidc-provider hands the customizer for a user's access token to the default API. */
function accessToken(accountId: string, audience: string) {
  const now = Math.floor(Date.now() / 1000);
  return {
    token: { kind: 'AccessToken', accountId, resourceServer: { identifier: () => audience } },
    jwt: {
      payload: {
        iss: 'http://localhost:4400/',
        sub: accountId,
        aud: audience,
        iat: now,
        exp: now + 3600,
        jti: 'x'.repeat(43),
        client_id: 'component-web',
        scope: 'openid profile email offline_access read:messages',
      } as Record<string, any>,
    },
  };
}

describe('access-token claims from the seed users', () => {
  const config = loadConfig({}, APP_ROOT);
  const accounts = AccountStore.fromFile(config.usersFile, config.issuer);
  const customize = makeJwtCustomizer(config, accounts);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const audience = config.apis[0]!.identifier;

  async function signedFor(sub: string): Promise<{ token: string; payload: Record<string, any> }> {
    const { token, jwt: structured } = accessToken(sub, audience);
    await customize(undefined, token, structured);
    return { token: jwt.sign(structured.payload, privateKey, { algorithm: 'RS256', keyid: 'k1' }), payload: structured.payload };
  }

  it('gives carol an access token of more than 6 KB through a namespaced custom claim', async () => {
    const { token, payload } = await signedFor('auth0|carol');
    expect(token.length).toBeGreaterThanOrEqual(6 * 1024);
    // and still within the contracts' token limit (MAX_TOKEN_CHARS, 8,192): the whole system must carry it
    expect(token.length).toBeLessThanOrEqual(8192 - 512);
    expect(payload['https://auth-bus.example/groups']).toEqual(expect.arrayContaining(['org/security/team-01/project-readers']));
    expect(payload).toMatchObject({ sub: 'auth0|carol', azp: 'component-web', permissions: ['read:messages'] });
  });

  it('keeps alice and bob as they were (small tokens, no custom claims)', async () => {
    for (const sub of ['auth0|alice', 'auth0|bob']) {
      const { token, payload } = await signedFor(sub);
      expect(token.length).toBeLessThan(2048);
      expect(Object.keys(payload).filter((k) => k.startsWith('http'))).toEqual([]);
    }
  });

  it('never lets a custom claim replace a standard one, and refuses claims that are not namespaced', async () => {
    const store = new AccountStore(
      [{ ...accounts.find('auth0|carol')!, access_token_claims: { 'https://x.example/sub': 'mallory' } }],
      config.issuer,
    );
    const claims = store.accessTokenClaims(store.find('auth0|carol')!);
    expect(claims).toEqual({ 'https://x.example/sub': 'mallory' });
    const { token, jwt: structured } = accessToken('auth0|carol', audience);
    structured.payload['https://x.example/sub'] = 'kept';
    await makeJwtCustomizer(config, store)(undefined, token, structured);
    expect(structured.payload).toMatchObject({ sub: 'auth0|carol', 'https://x.example/sub': 'kept' });
    const dir = mkdtempSync(join(tmpdir(), 'dev-idp-users-'));
    const file = join(dir, 'users.json');
    writeFileSync(file, JSON.stringify({ users: [{ ...accounts.find('auth0|carol')!, access_token_claims: { groups: ['x'] } }] }));
    try {
      expect(() => AccountStore.fromFile(file, config.issuer)).toThrow(/must be a namespaced claim/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
