import { stringsAt } from './claim-path';

/** What a verified access token proves, as the services use it. Frozen; shared by cache hits. */
export interface VerifiedToken {
  readonly sub: string;
  readonly email?: string;
  readonly name?: string;
  /**
   * The permissions the token grants: the values of the configured permissions claim
   * (AUTH_PERMISSIONS_CLAIM, default `permissions` — Auth0 RBAC). The only source that
   * @RequirePermission consults.
   */
  readonly permissions: readonly string[];
  /** The `scope` claim as issued (informative; it grants nothing unless it is the permissions claim). */
  readonly scope?: string;
  /** `scope` split on spaces. */
  readonly scopes: readonly string[];
  /** The client the token was issued to (`azp`, else `client_id`). */
  readonly clientId?: string;
  /** Auth0's grant type marker (`gty`), as a list: e.g. `['client-credentials']` for a machine token. */
  readonly grantTypes: readonly string[];
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /** Issued at, seconds since the epoch (a user revocation covers tokens issued at or before it). */
  readonly iat?: number;
  readonly iss: string;
  /** Short SHA-256 handle of the token (16 hex), for logs and audit; never the token. */
  readonly tokenHash: string;
}

/** A permission is held when the permissions claim grants it (a scope alone never does). */
export function hasPermission(token: VerifiedToken, permission: string): boolean {
  return token.permissions.includes(permission);
}

const str = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;

/**
 * Builds the identity from verified claims, keeping only values that fit the contract's bounds.
 * `permissionsClaim` is the dotted path the permissions are read from (default `permissions`).
 */
export function toVerifiedToken(claims: Record<string, unknown>, tokenHash: string, permissionsClaim = 'permissions'): VerifiedToken {
  const scope = str(claims.scope, 2048);
  return Object.freeze({
    sub: claims.sub as string,
    email: str(claims.email, 320),
    name: str(claims.name, 256),
    permissions: Object.freeze(stringsAt(claims, permissionsClaim)),
    scope,
    scopes: Object.freeze(scope ? scope.split(' ').filter(Boolean) : []),
    clientId: str(claims.azp, 256) ?? str(claims.client_id, 256),
    grantTypes: Object.freeze(stringsAt(claims, 'gty', { count: 16, length: 64 })),
    exp: claims.exp as number,
    iat: typeof claims.iat === 'number' && Number.isFinite(claims.iat) ? claims.iat : undefined,
    iss: claims.iss as string,
    tokenHash,
  });
}
