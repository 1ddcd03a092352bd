import { createHash } from 'node:crypto';

/** SHA-256 of a token in hex: the verification cache's key. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The short, non-reversible handle of a token in logs and audit events (the TypeScript side's only one). */
export function tokenHash(token: string): string {
  return tokenDigest(token).slice(0, 16);
}

/** The short handle of a token from its digest (when the digest is already at hand). */
export function tokenHashOfDigest(digest: string): string {
  return digest.slice(0, 16);
}
