import { createHash } from 'node:crypto';

/** The short, non-reversible handle of a token used in logs and audit events. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}
