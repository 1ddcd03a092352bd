import { BusError, MAX_TOKEN_CHARS } from '@auth-bus/contracts';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { RevocationIndex } from './revocation-index';
import { JwtAccessStrategy } from './jwt-access.strategy';
import { rejectionReason, toUnauthenticated } from './token-rejection';
import type { ResolvedTokenVerifierOptions } from './token-verifier.options';
import { TOKEN_VERIFIER_OPTIONS } from './tokens';
import { VerificationCache } from './verification-cache';
import { toVerifiedToken, type VerifiedToken } from './verified-token';
import { tokenDigest, tokenHashOfDigest } from './token-hash';

export interface TokenVerifierStats {
  /** Verifications answered from the cache. */
  hits: number;
  /** Full verifications (signature and claims) run. */
  verified: number;
  /** Tokens refused (by any path). */
  rejected: number;
}

/**
 * Verifies access tokens. The full check runs the Passport strategy; its successful results
 * are cached by the token's SHA-256 until the earlier of the token's expiry (plus the clock
 * tolerance — the same instant at which the full check would say `expired`) and the cache TTL,
 * in a bounded LRU. Refusals are never cached, so every rule still applies to every token the
 * cache has not accepted; concurrent first checks of one token share one verification.
 *
 * With a RevocationIndex (issue 21) every answer — cache hit or full check — is also checked
 * against the revocations held in memory (`revoked`); a revocation arriving later purges the
 * cached verifications it covers. Until the index has loaded, protected calls wait up to
 * `revocationWaitMs` for it and are then refused with UNAVAILABLE (fail closed).
 */
@Injectable()
export class TokenVerifierService {
  private readonly logger = new Logger(TokenVerifierService.name);
  private readonly cache: VerificationCache<VerifiedToken>;
  private readonly pending = new Map<string, Promise<VerifiedToken>>();
  private readonly counters: TokenVerifierStats = { hits: 0, verified: 0, rejected: 0 };

  constructor(
    @Inject(TOKEN_VERIFIER_OPTIONS) private readonly options: ResolvedTokenVerifierOptions,
    private readonly strategy: JwtAccessStrategy,
    @Optional() @Inject(RevocationIndex) private readonly revocations?: RevocationIndex,
  ) {
    this.cache = new VerificationCache(options.cacheMaxEntries);
    if (revocations) {
      revocations.onRevocation = (record) => {
        const removed = this.cache.deleteWhere((t) => revocations.isRevoked(t.tokenHash, t.sub, t.iat));
        if (removed) this.logger.debug?.(`Revocation of ${record.kind} purged ${removed} cached verification(s)`);
      };
    }
  }

  get stats(): Readonly<TokenVerifierStats> {
    return { ...this.counters };
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  /** The identity a token proves, or a `BusError` UNAUTHENTICATED with the reason. */
  verify(token: string | null | undefined): Promise<VerifiedToken> {
    try {
      return Promise.resolve(this.check(token));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Like `verify`, but synchronous when the answer is known at once: the identity on a cache hit
   * (the fast path — no promise, no microtask), a thrown BusError for a missing or oversized
   * token; otherwise a promise of the full verification.
   */
  check(token: string | null | undefined): VerifiedToken | Promise<VerifiedToken> {
    if (!token) {
      this.counters.rejected++;
      throw BusError.unauthenticated('missing');
    }
    if (token.length > MAX_TOKEN_CHARS) {
      this.counters.rejected++;
      throw BusError.unauthenticated('malformed');
    }
    if (this.revocations && !this.revocations.ready) return this.afterRevocationsLoad(token);
    const digest = tokenDigest(token);
    const hit = this.cache.get(digest, Date.now());
    if (hit) {
      if (this.revocations?.isRevoked(hit.tokenHash, hit.sub, hit.iat)) {
        this.cache.delete(digest);
        this.counters.rejected++;
        throw BusError.unauthenticated('revoked');
      }
      this.counters.hits++;
      return hit;
    }
    let pending = this.pending.get(digest);
    if (!pending) {
      pending = this.verifyFully(token, digest).finally(() => this.pending.delete(digest));
      this.pending.set(digest, pending);
    }
    return pending;
  }

  private async verifyFully(token: string, digest: string): Promise<VerifiedToken> {
    let claims: Record<string, unknown>;
    try {
      claims = await this.strategy.authenticateToken(token);
    } catch (err) {
      this.counters.rejected++;
      const error = toUnauthenticated(err);
      this.logger.debug?.(`Token ${tokenHashOfDigest(digest)} refused: ${rejectionReason(err)}`);
      throw error;
    }
    const identity = toVerifiedToken(claims, tokenHashOfDigest(digest), this.options.permissionsClaim);
    if (this.revocations?.isRevoked(identity.tokenHash, identity.sub, identity.iat)) {
      this.counters.rejected++;
      this.logger.debug?.(`Token ${identity.tokenHash} refused: revoked`);
      throw BusError.unauthenticated('revoked');
    }
    this.counters.verified++;
    const now = Date.now();
    const expiresAt = Math.min(now + this.options.cacheTtlMs, (identity.exp + this.options.clockToleranceSec) * 1000);
    this.cache.set(digest, identity, expiresAt, now);
    return identity;
  }

  /** Waits (bounded) for the revocation list to load, then checks; UNAVAILABLE if it does not. */
  private async afterRevocationsLoad(token: string): Promise<VerifiedToken> {
    const loaded = await this.revocations!.whenReady(this.options.revocationWaitMs);
    if (!loaded) {
      this.counters.rejected++;
      throw BusError.unavailable('The revocation list is not loaded yet; try again shortly');
    }
    return this.check(token);
  }

  /** Forgets every cached verification (e.g. after a key is revoked). */
  clearCache(): void {
    this.cache.clear();
  }
}
