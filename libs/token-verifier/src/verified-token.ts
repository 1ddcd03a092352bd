/** What a verified access token proves, as the services use it. Frozen; shared by cache hits. */
export interface VerifiedToken {
  readonly sub: string;
  readonly email?: string;
  readonly name?: string;
  /** The `permissions` claim (Auth0 RBAC). */
  readonly permissions: readonly string[];
  /** The `scope` claim as issued. */
  readonly scope?: string;
  /** `scope` split on spaces, for permission checks. */
  readonly scopes: readonly string[];
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  readonly iss: string;
  /** Short SHA-256 handle of the token (16 hex), for logs and audit; never the token. */
  readonly tokenHash: string;
}

/** A permission is held when it is in `permissions` or among the granted scopes. */
export function hasPermission(token: VerifiedToken, permission: string): boolean {
  return token.permissions.includes(permission) || token.scopes.includes(permission);
}

const str = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;

/** Builds the identity from verified claims, keeping only values that fit the contract's bounds. */
export function toVerifiedToken(claims: Record<string, unknown>, tokenHash: string): VerifiedToken {
  const permissions = Array.isArray(claims.permissions)
    ? claims.permissions.filter((p): p is string => typeof p === 'string' && p.length > 0 && p.length <= 128).slice(0, 256)
    : [];
  const scope = str(claims.scope, 2048);
  return Object.freeze({
    sub: claims.sub as string,
    email: str(claims.email, 320),
    name: str(claims.name, 256),
    permissions: Object.freeze(permissions),
    scope,
    scopes: Object.freeze(scope ? scope.split(' ').filter(Boolean) : []),
    exp: claims.exp as number,
    iss: claims.iss as string,
    tokenHash,
  });
}
