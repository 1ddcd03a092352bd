import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS_FILE, loadOrCreateCookieSecret, loadOrCreateKeys, providerJwks, publicKeys, readKeyFile, rotateKeys } from './keys.js';

describe('signing keys on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'dev-idp-keys-spec-')), 'keys');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('creates one RS256 key on first use (private file) and reuses it afterwards', async () => {
    const first = await loadOrCreateKeys(dir);
    expect(first.created).toBe(true);
    expect(first.keyFile.keys).toHaveLength(1);
    expect(first.keyFile.keys[0].jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(statSync(join(dir, KEYS_FILE)).mode & 0o077).toBe(0);
    const again = await loadOrCreateKeys(dir);
    expect(again.created).toBe(false);
    expect(again.keyFile.keys[0].jwk.kid).toBe(first.keyFile.keys[0].jwk.kid);
  });

  it('rotation puts a new signing key first and keeps the old one published', async () => {
    const { keyFile } = await loadOrCreateKeys(dir);
    const oldKid = keyFile.keys[0].jwk.kid;
    const result = await rotateKeys(dir, 3600);
    expect(result.added).not.toBe(oldKid);
    expect(result.retired).toEqual([oldKid]);
    expect(result.published).toEqual([result.added, oldKid]);
    const after = readKeyFile(dir)!;
    expect(providerJwks(after).keys.map((k) => k.kid)).toEqual([result.added, oldKid]);
    expect(after.keys[1].retiredAt).not.toBeNull();
  });

  it('drops keys retired longer ago than the longest token lifetime', async () => {
    await loadOrCreateKeys(dir);
    const t0 = new Date('2030-01-01T00:00:00Z');
    const r1 = await rotateKeys(dir, 60, t0);
    const r2 = await rotateKeys(dir, 60, new Date(t0.getTime() + 30_000));
    expect(r2.pruned).toEqual([]);
    const r3 = await rotateKeys(dir, 60, new Date(t0.getTime() + 120_000));
    // the first key was retired at t0 (> 60 s ago); r1's key was retired at t0+30 s (> 60 s ago too)
    expect(r3.pruned).toHaveLength(2);
    expect(r3.published).toEqual([r3.added, r2.added]);
    expect(r3.pruned).toContain(r1.added);
  });

  it('publishes only public key members', async () => {
    const { keyFile } = await loadOrCreateKeys(dir);
    for (const jwk of publicKeys(keyFile).values()) {
      expect(Object.keys(jwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    }
  });

  it('keeps one cookie secret, unless one is configured', () => {
    const a = loadOrCreateCookieSecret(dir);
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(loadOrCreateCookieSecret(dir)).toBe(a);
    expect(readFileSync(join(dir, 'cookie-secret'), 'utf8').trim()).toBe(a);
    expect(loadOrCreateCookieSecret(dir, 'configured')).toBe('configured');
  });
});
