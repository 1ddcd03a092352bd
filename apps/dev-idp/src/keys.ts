// Signing keys: RS256 keys kept in DEV_IDP_KEYS_DIR (git-ignored) so that tokens keep verifying
// across restarts. The file lists every published key; the first one signs. Rotation
// (`rotate-keys`) puts a new key first and keeps the retired ones in the JWKS until every token
// they signed has expired, then drops them on a later rotation.
import { createHash, generateKeyPair as generateKeyPairCb, randomBytes, type JsonWebKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const generateKeyPair = promisify(generateKeyPairCb);

export const KEYS_FILE = 'signing-keys.json';
export const COOKIE_SECRET_FILE = 'cookie-secret';

export interface PrivateJwk extends JsonWebKey {
  kty: 'RSA';
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

export interface StoredKey {
  jwk: PrivateJwk;
  createdAt: string;
  /** When a newer key replaced this one for signing; null for the active key. */
  retiredAt: string | null;
}

export interface KeyFile {
  keys: StoredKey[];
}

/** RFC 7638 thumbprint: a stable key id derived from the public key. */
function thumbprint(jwk: JsonWebKey): string {
  return createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest('base64url');
}

export async function generateSigningKey(now = new Date()): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair('rsa', { modulusLength: 2048 });
  const raw = privateKey.export({ format: 'jwk' });
  const jwk: PrivateJwk = { ...raw, kty: 'RSA', kid: thumbprint(raw), alg: 'RS256', use: 'sig' };
  return { jwk, createdAt: now.toISOString(), retiredAt: null };
}

function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function writePrivate(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function validate(file: string, data: unknown): KeyFile {
  const keys = (data as KeyFile)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error(`${file}: expected {"keys": [...]} with at least one key`);
  for (const k of keys) {
    if (k?.jwk?.kty !== 'RSA' || typeof k.jwk.kid !== 'string' || typeof k.jwk.d !== 'string') {
      throw new Error(`${file}: every entry needs an RSA private "jwk" with a "kid"`);
    }
  }
  return { keys };
}

export function readKeyFile(dir: string): KeyFile | undefined {
  const file = join(dir, KEYS_FILE);
  if (!existsSync(file)) return undefined;
  return validate(file, JSON.parse(readFileSync(file, 'utf8')));
}

export function writeKeyFile(dir: string, keyFile: KeyFile): void {
  ensureDir(dir);
  writePrivate(join(dir, KEYS_FILE), `${JSON.stringify(keyFile, null, 2)}\n`);
}

/** Reads the keys, creating the folder and a first key when there are none. */
export async function loadOrCreateKeys(dir: string): Promise<{ keyFile: KeyFile; created: boolean }> {
  const existing = readKeyFile(dir);
  if (existing) return { keyFile: existing, created: false };
  const keyFile = { keys: [await generateSigningKey()] };
  writeKeyFile(dir, keyFile);
  return { keyFile, created: true };
}

export interface RotationResult {
  added: string;
  retired: string[];
  pruned: string[];
  published: string[];
}

/**
 * Adds a new signing key in front, marks the previous ones retired (keeping them published),
 * and drops retired keys whose tokens have all expired (`retentionSeconds` after retirement).
 */
export async function rotateKeys(dir: string, retentionSeconds: number, now = new Date()): Promise<RotationResult> {
  const current = readKeyFile(dir) ?? { keys: [] };
  const fresh = await generateSigningKey(now);
  const retired: string[] = [];
  const kept: StoredKey[] = [];
  const pruned: string[] = [];
  for (const key of current.keys) {
    if (!key.retiredAt) {
      retired.push(key.jwk.kid);
      kept.push({ ...key, retiredAt: now.toISOString() });
    } else if (now.getTime() - Date.parse(key.retiredAt) > retentionSeconds * 1000) {
      pruned.push(key.jwk.kid);
    } else {
      kept.push(key);
    }
  }
  const keyFile = { keys: [fresh, ...kept] };
  writeKeyFile(dir, keyFile);
  return { added: fresh.jwk.kid, retired, pruned, published: keyFile.keys.map((k) => k.jwk.kid) };
}

/** The private keys for oidc-provider's `jwks` option, the signing key first. */
export function providerJwks(keyFile: KeyFile): { keys: PrivateJwk[] } {
  return { keys: keyFile.keys.map((k) => ({ ...k.jwk })) };
}

/** Public halves (what /.well-known/jwks.json publishes), by kid. */
export function publicKeys(keyFile: KeyFile): Map<string, JsonWebKey> {
  return new Map(keyFile.keys.map(({ jwk }) => [jwk.kid, { kty: jwk.kty, n: jwk.n, e: jwk.e, kid: jwk.kid, alg: jwk.alg, use: jwk.use }]));
}

/** The secret that signs cookies: DEV_IDP_COOKIE_SECRET, or generated once into the keys folder. */
export function loadOrCreateCookieSecret(dir: string, configured?: string): string {
  if (configured) return configured;
  const file = join(dir, COOKIE_SECRET_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  ensureDir(dir);
  const secret = randomBytes(32).toString('base64url');
  writePrivate(file, `${secret}\n`);
  return secret;
}
