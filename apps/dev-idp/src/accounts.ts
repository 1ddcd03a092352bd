// Users from the seed file (DEV_IDP_USERS_FILE, default seed/users.json): Auth0-style user
// profiles with scrypt password hashes and RBAC permissions. Plaintext passwords never appear
// here; README.md documents the development ones.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isPasswordHash, UNMATCHABLE_HASH, verifyPassword } from './passwords.js';
import type { ApiConfig } from './config.js';

const userSchema = z.object({
  /** Auth0 user id, used as `sub`: `auth0|<id>` for database users. */
  user_id: z.string().min(1),
  email: z.email(),
  email_verified: z.boolean().default(true),
  name: z.string().min(1).optional(),
  nickname: z.string().min(1).optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  /** Defaults to an avatar served by dev-idp itself (no internet needed). */
  picture: z.url().optional(),
  updated_at: z.string().optional(),
  password_hash: z.string().refine(isPasswordHash, 'must be a hash from `npm run hash-password -w apps/dev-idp`'),
  /** RBAC permissions; only those the API defines end up in its access tokens. */
  permissions: z.array(z.string()).default([]),
  /**
   * Extra claims in this user's access tokens, as an Auth0 Action adds them: namespaced (the key
   * is a URL), never a registered claim. The seed's carol carries a large one, so that tests can
   * log in with an access token of more than 6 KB (cookie and header limits, issue 14).
   */
  access_token_claims: z
    .record(z.string().regex(/^https?:\/\/\S+$/, 'must be a namespaced claim (a URL, as Auth0 requires)'), z.unknown())
    .optional(),
});

const seedSchema = z.object({ users: z.array(userSchema).min(1) });

export type SeedUser = z.infer<typeof userSchema>;

export interface ProfileClaims {
  sub: string;
  name?: string;
  nickname?: string;
  given_name?: string;
  family_name?: string;
  picture: string;
  updated_at?: string;
  email: string;
  email_verified: boolean;
}

export class AccountStore {
  private readonly byId = new Map<string, SeedUser>();
  private readonly byEmail = new Map<string, SeedUser>();

  constructor(
    users: SeedUser[],
    private readonly issuer: string,
  ) {
    for (const user of users) {
      if (this.byId.has(user.user_id)) throw new Error(`duplicate user_id ${user.user_id} in the users file`);
      if (this.byEmail.has(user.email.toLowerCase())) throw new Error(`duplicate email ${user.email} in the users file`);
      this.byId.set(user.user_id, user);
      this.byEmail.set(user.email.toLowerCase(), user);
    }
  }

  static fromFile(file: string, issuer: string): AccountStore {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read the users file ${file}: ${(err as Error).message}`);
    }
    const parsed = seedSchema.safeParse(data);
    if (!parsed.success) throw new Error(`the users file ${file} is invalid: ${parsed.error.message}`);
    return new AccountStore(parsed.data.users, issuer);
  }

  get size(): number {
    return this.byId.size;
  }

  emails(): string[] {
    return [...this.byId.values()].map((u) => u.email);
  }

  find(sub: string): SeedUser | undefined {
    return this.byId.get(sub);
  }

  /** The user whose email and password match; always runs one scrypt so timing reveals nothing. */
  async authenticate(email: string, password: string): Promise<SeedUser | undefined> {
    const user = this.byEmail.get(email.trim().toLowerCase());
    const ok = await verifyPassword(password, user?.password_hash ?? UNMATCHABLE_HASH);
    return ok && user ? user : undefined;
  }

  /** Standard claims; oidc-provider keeps those the granted scopes allow (profile, email). */
  claims(user: SeedUser): ProfileClaims {
    const nickname = user.nickname ?? user.email.split('@')[0];
    return {
      sub: user.user_id,
      name: user.name ?? user.email,
      nickname,
      given_name: user.given_name,
      family_name: user.family_name,
      picture: user.picture ?? new URL(`avatars/${encodeURIComponent(user.user_id)}.svg`, this.issuer).href,
      updated_at: user.updated_at,
      email: user.email,
      email_verified: user.email_verified,
    };
  }

  /** Auth0 RBAC: the user's permissions that this API defines. */
  permissionsFor(user: SeedUser, api: ApiConfig): string[] {
    const defined = new Set(api.permissions);
    return user.permissions.filter((p) => defined.has(p));
  }

  /** The user's extra (namespaced) access-token claims; empty when none. */
  accessTokenClaims(user: SeedUser): Record<string, unknown> {
    return { ...(user.access_token_claims ?? {}) };
  }

  /** Initials for the generated avatar. */
  initials(sub: string): string | undefined {
    const user = this.byId.get(sub);
    if (!user) return undefined;
    const name = user.name ?? user.email;
    return name
      .split(/[\s@.]+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => w[0]!.toUpperCase())
      .join('');
  }
}

/** oidc-provider `findAccount`: the account object it expects, or undefined. */
export function providerAccount(store: AccountStore, sub: string) {
  const user = store.find(sub);
  if (!user) return undefined;
  const claims = store.claims(user);
  return {
    accountId: user.user_id,
    async claims() {
      return claims;
    },
  };
}
