/**
 * Permissions can live anywhere in a token, depending on the provider:
 * - Auth0 RBAC: `permissions` (an array),
 * - OAuth 2.0 scopes: `scope` (a space-separated string),
 * - Keycloak: `realm_access.roles`, `resource_access.<client>.roles` (arrays),
 * - anything else: any dotted path to an array of strings or a space-separated string.
 */

const SEGMENT = /^[^.\s]+$/;

/** A claim name or dotted path: non-empty segments without spaces (`a`, `a.b.c`). */
export function isValidClaimPath(path: string): boolean {
  return typeof path === 'string' && path.length > 0 && path.length <= 256 && path.split('.').every((s) => SEGMENT.test(s));
}

/** The value at `path` in `claims` (own properties only), or undefined. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let value: unknown = claims;
  for (const segment of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/**
 * The strings at `path`: an array's string entries, or a string split on whitespace; anything
 * else is no values. Bounded like the contract (≤ 256 values of 1…128 characters).
 */
export function stringsAt(claims: Record<string, unknown>, path: string, limits = { count: 256, length: 128 }): string[] {
  const value = claimAt(claims, path);
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/\s+/) : [];
  const out: string[] = [];
  for (const item of raw) {
    if (typeof item === 'string' && item.length > 0 && item.length <= limits.length && !out.includes(item)) out.push(item);
    if (out.length >= limits.count) break;
  }
  return out;
}
