import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwksClient } from 'jwks-rsa';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { TokenRejection, rejectionReason } from './token-rejection';
import type { ResolvedTokenVerifierOptions } from './token-verifier.options';
import { TOKEN_VERIFIER_OPTIONS } from './tokens';

/**
 * The issuer's signing keys, from its JWKS through `jwks-rsa`:
 * - keys are cached per `kid` (`cacheMaxAge`), so the JWKS is not fetched per request;
 * - a `kid` that is not cached causes one JWKS fetch, and such fetches are rate limited in total
 *   (`jwksRequestsPerMinute`): key rotation works without a restart, and a flood of made-up
 *   `kid`s cannot turn into a flood of fetches (over the limit they are refused as `unknown_key`);
 * - concurrent lookups of the same `kid` share one fetch (lru-memoizer);
 * - the PEM is turned into a `KeyObject` once per key rather than on every verification;
 * - if the JWKS cannot be read when a cached key expires, the last key seen for that `kid` keeps
 *   working (stale-if-error), so an IdP outage does not log everybody out.
 */
@Injectable()
export class JwksKeyStore {
  private readonly logger = new Logger(JwksKeyStore.name);
  private readonly client: JwksClient;
  private readonly keyObjects = new Map<string, KeyObject>();
  private readonly lastGood = new Map<string, KeyObject>();
  private fetches = 0;

  constructor(@Inject(TOKEN_VERIFIER_OPTIONS) private readonly options: ResolvedTokenVerifierOptions) {
    this.client = new JwksClient({
      jwksUri: options.jwksUri,
      cache: true,
      cacheMaxEntries: 32,
      cacheMaxAge: options.jwksCacheMaxAgeMs,
      rateLimit: true,
      jwksRequestsPerMinute: options.jwksRequestsPerMinute,
      timeout: options.jwksTimeoutMs,
      // Counts real fetches (tests and logs); the fetch itself is jwks-rsa's own.
      getKeysInterceptor: () => {
        this.fetches++;
        return Promise.resolve([]);
      },
    });
  }

  /** How many times the JWKS was (or was attempted to be) fetched. */
  get fetchCount(): number {
    return this.fetches;
  }

  /** The public key for `kid`; throws a TokenRejection (`unknown_key`, `jwks_unavailable`). */
  async getKey(kid: string | undefined): Promise<KeyObject> {
    const slot = kid ?? '';
    try {
      const signingKey = await this.client.getSigningKey(kid);
      const pem = signingKey.getPublicKey();
      let key = this.keyObjects.get(pem);
      if (!key) {
        key = createPublicKey(pem);
        if (this.keyObjects.size > 64) this.keyObjects.clear();
        this.keyObjects.set(pem, key);
      }
      if (this.lastGood.size > 64 && !this.lastGood.has(slot)) this.lastGood.clear();
      this.lastGood.set(slot, key);
      return key;
    } catch (err) {
      // Anything but "no such key" (network, HTTP status, bad JSON, no keys) means the JWKS could not be read.
      const reason = rejectionReason(err) === 'unknown_key' ? 'unknown_key' : 'jwks_unavailable';
      if (reason === 'jwks_unavailable') {
        const stale = this.lastGood.get(slot);
        if (stale) {
          this.logger.warn(`JWKS unavailable (${(err as Error).message}); using the last key seen for kid ${kid ?? '(none)'}`);
          return stale;
        }
        this.logger.warn(`JWKS unavailable: ${(err as Error).message}`);
      }
      throw new TokenRejection(reason, (err as Error).message);
    }
  }
}
