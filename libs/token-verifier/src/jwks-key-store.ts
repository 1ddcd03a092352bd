import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { JwksClient } from 'jwks-rsa';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { fetchJson, JsonFetchError } from './http-json';
import { TokenRejection } from './token-rejection';
import { withoutTrailingSlash, type ResolvedTokenVerifierOptions } from './token-verifier.options';
import { TOKEN_VERIFIER_OPTIONS } from './tokens';

/** Who the provider is: from its discovery document, or from the configuration (AUTH_JWKS_URI). */
interface ProviderMetadata {
  issuer: string;
  jwksUri: string;
  fetchedAt: number;
}

interface KeySet {
  byKid: Map<string, KeyObject>;
  fetchedAt: number;
}

/** After a failed fetch, the soonest another one starts when no keys are known at all (ms). */
const NO_KEYS_RETRY_MS = 1_000;
/** Start-up retries in the background: 1 s, 2 s, 4 s … at most this (ms). */
const WARM_UP_MAX_DELAY_MS = 30_000;

/**
 * The provider's metadata and signing keys.
 *
 * - Discovery: unless AUTH_JWKS_URI is set, `<issuer>/.well-known/openid-configuration` names
 *   the issuer tokens must carry (the configured one may differ by one trailing slash; the
 *   token's `iss` must equal the discovered one exactly) and the JWKS. Both are cached and read
 *   again together, every `jwksCacheMaxAgeMs`.
 * - One JWKS snapshot: every fetch replaces the whole key set, so any fetch — whoever caused it —
 *   also brings in a newly rotated key.
 * - Known keys never wait: a key from a snapshot older than `jwksCacheMaxAgeMs` is still used
 *   while one refresh runs in the background; if that refresh fails, the last keys seen keep
 *   working (stale-if-error), so a provider outage does not log everybody out.
 * - Unknown `kid`s have their own budget: they may cause a fetch only if none started in the last
 *   60 s / `jwksRequestsPerMinute`; otherwise they are refused (`unknown_key`) at once. A flood
 *   of made-up `kid`s therefore costs at most that many fetches and cannot delay the refresh of
 *   known keys; after a rotation the new key is accepted at the latest one interval later.
 * - Concurrent lookups share the one fetch under way (coalescing).
 * - If the provider cannot be read at start, ONE error names the setting to check and the
 *   store keeps retrying in the background (tokens are refused as `jwks_unavailable` meanwhile);
 *   recovery is logged once.
 */
@Injectable()
export class JwksKeyStore implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JwksKeyStore.name);
  private readonly unknownKidIntervalMs: number;
  private readonly clients = new Map<string, JwksClient>();
  private provider?: ProviderMetadata;
  private keys?: KeySet;
  private inflight?: Promise<void>;
  private lastFetchAt = -Infinity;
  private lastFailureAt = -Infinity;
  private lastProblem = 'not loaded yet';
  private failing = false;
  private fetches = 0;
  private warmUpTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(@Inject(TOKEN_VERIFIER_OPTIONS) private readonly options: ResolvedTokenVerifierOptions) {
    this.unknownKidIntervalMs = 60_000 / options.jwksRequestsPerMinute;
    if (options.jwksUri) this.provider = { issuer: options.issuer, jwksUri: options.jwksUri, fetchedAt: Infinity };
  }

  /** How many times the JWKS was (or was attempted to be) fetched. */
  get fetchCount(): number {
    return this.fetches;
  }

  /** The issuer and JWKS in use (undefined until discovery has succeeded once). */
  get metadata(): { issuer: string; jwksUri: string } | undefined {
    return this.provider && { issuer: this.provider.issuer, jwksUri: this.provider.jwksUri };
  }

  onApplicationBootstrap(): void {
    this.warmUp(0);
  }

  onModuleDestroy(): void {
    this.closed = true;
    clearTimeout(this.warmUpTimer);
  }

  /** Loads the provider's metadata if it was never loaded; throws `jwks_unavailable` if it cannot be. */
  async ensureMetadata(): Promise<void> {
    if (this.provider) return;
    await this.loadUnlessJustFailed();
  }

  /**
   * Whether `iss` is the provider's issuer: exactly the discovered one, or — when AUTH_JWKS_URI
   * bypasses discovery — the configured one with or without one trailing slash.
   */
  acceptsIssuer(iss: unknown): boolean {
    if (typeof iss !== 'string') return false;
    if (this.options.jwksUri) return withoutTrailingSlash(iss) === withoutTrailingSlash(this.options.issuer);
    return this.provider !== undefined && iss === this.provider.issuer;
  }

  /** The public key for `kid`; throws a TokenRejection (`unknown_key`, `jwks_unavailable`). */
  async getKey(kid: string | undefined): Promise<KeyObject> {
    const now = Date.now();
    const known = this.lookup(kid);
    if (known) {
      if (now - this.keys!.fetchedAt >= this.options.jwksCacheMaxAgeMs) this.refreshInBackground(now);
      return known;
    }
    if (!this.inflight) {
      if (!this.keys) {
        await this.loadUnlessJustFailed();
      } else if (now - this.lastFetchAt < this.unknownKidIntervalMs) {
        throw new TokenRejection('unknown_key', `kid ${JSON.stringify(kid ?? null)} is not in the JWKS`);
      } else {
        await this.load();
      }
    } else {
      await this.inflight;
    }
    const key = this.lookup(kid);
    if (!key) throw new TokenRejection('unknown_key', `kid ${JSON.stringify(kid ?? null)} is not in the JWKS`);
    return key;
  }

  private lookup(kid: string | undefined): KeyObject | undefined {
    const byKid = this.keys?.byKid;
    if (!byKid) return undefined;
    if (kid === undefined) return byKid.size === 1 ? byKid.values().next().value : undefined;
    return byKid.get(kid);
  }

  private refreshInBackground(now: number): void {
    if (this.inflight || now - this.lastFailureAt < Math.min(this.unknownKidIntervalMs, this.options.jwksCacheMaxAgeMs)) return;
    this.load().catch(() => undefined);
  }

  private async loadUnlessJustFailed(): Promise<void> {
    if (!this.inflight && Date.now() - this.lastFailureAt < NO_KEYS_RETRY_MS) throw new TokenRejection('jwks_unavailable', this.lastProblem);
    await this.load();
  }

  /** One fetch of the metadata (when due) and the JWKS; concurrent callers share it. */
  private load(): Promise<void> {
    this.inflight ??= this.fetchAll().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchAll(): Promise<void> {
    this.lastFetchAt = Date.now();
    let provider: ProviderMetadata | undefined;
    try {
      provider = await this.currentProvider();
      this.fetches++;
      const signingKeys = await this.clientFor(provider.jwksUri).getSigningKeys();
      const byKid = new Map<string, KeyObject>();
      for (const signingKey of signingKeys) {
        try {
          byKid.set(signingKey.kid ?? '', createPublicKey(signingKey.getPublicKey()));
        } catch {
          // A key node cannot read is skipped; tokens naming it are refused as unknown_key.
        }
      }
      if (byKid.size === 0) throw new Error('no usable signing key');
      this.keys = { byKid, fetchedAt: Date.now() };
    } catch (err) {
      this.lastFailureAt = Date.now();
      const problem = err instanceof ProviderProblem ? err.message : this.jwksProblem(provider?.jwksUri ?? '(unknown)', err);
      this.reportFailure(problem);
      throw new TokenRejection('jwks_unavailable', problem);
    }
    if (this.failing) {
      this.failing = false;
      this.logger.log(`Signing keys loaded from ${provider.jwksUri} (issuer ${provider.issuer}); token verification works again`);
    }
  }

  /** The metadata to use now: the configured JWKS, the cached discovery, or a fresh discovery. */
  private async currentProvider(): Promise<ProviderMetadata> {
    const cached = this.provider;
    if (cached && Date.now() - cached.fetchedAt < this.options.jwksCacheMaxAgeMs) return cached;
    try {
      this.provider = await this.discover();
      return this.provider;
    } catch (err) {
      if (!cached) throw err;
      this.logger.warn(`Could not refresh the provider's metadata; keeping the last one: ${(err as Error).message}`);
      return cached;
    }
  }

  private async discover(): Promise<ProviderMetadata> {
    const url = this.options.discoveryUrl!;
    const names = this.options.settingNames;
    const fix = `Check ${this.issuerSetting()}="${this.options.issuer}": it must be the provider's issuer URL (e.g. https://<tenant>.auth0.com/ or http://localhost:8080/realms/<realm>), whose /.well-known/openid-configuration answers; or set ${names.jwksUri} to the provider's JWKS URL`;
    let doc: unknown;
    try {
      doc = await fetchJson(url, this.options.jwksTimeoutMs);
    } catch (err) {
      throw new ProviderProblem(`cannot read the provider's OpenID configuration at ${url} (${problemOf(err)}). ${fix}`);
    }
    const { issuer, jwks_uri: jwksUri } = (doc ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof issuer !== 'string' || typeof jwksUri !== 'string' || !/^https?:\/\//i.test(jwksUri)) {
      throw new ProviderProblem(`${url} is not an OpenID configuration (it needs "issuer" and "jwks_uri"). ${fix}`);
    }
    if (withoutTrailingSlash(issuer) !== withoutTrailingSlash(this.options.issuer)) {
      const precedence = names.issuer === 'OIDC_ISSUER' ? '' : ` (it takes precedence over ${names.issuer})`;
      throw new ProviderProblem(`the provider at ${url} names its issuer "${issuer}", but ${names.issuer} is "${this.options.issuer}": set OIDC_ISSUER=${issuer}${precedence}`);
    }
    return { issuer, jwksUri, fetchedAt: Date.now() };
  }

  private jwksProblem(jwksUri: string, err: unknown): string {
    const names = this.options.settingNames;
    const from = this.options.jwksUri ? `${names.jwksUri}` : `the jwks_uri of ${this.options.discoveryUrl}`;
    return `cannot read the signing keys at ${jwksUri} (${problemOf(err)}); that URL comes from ${from}. Check ${names.jwksUri} and ${this.issuerSetting()}`;
  }

  /** The issuer variable in use, named so that the operator finds it (an alias also names OIDC_ISSUER). */
  private issuerSetting(): string {
    const name = this.options.settingNames.issuer;
    return name === 'OIDC_ISSUER' ? name : `${name} (or OIDC_ISSUER, which takes precedence)`;
  }

  private reportFailure(problem: string): void {
    this.lastProblem = problem;
    if (this.failing) {
      this.logger.debug?.(`Still failing: ${problem}`);
      return;
    }
    this.failing = true;
    this.logger.error(`Tokens cannot be verified until this is fixed: ${problem}`);
  }

  private clientFor(jwksUri: string): JwksClient {
    let client = this.clients.get(jwksUri);
    if (!client) {
      if (this.clients.size > 8) this.clients.clear();
      // jwks-rsa turns JWKs into keys; caching, rate limits and fetching are done here.
      client = new JwksClient({ jwksUri, cache: false, rateLimit: false, fetcher: (uri: string) => fetchJson(uri, this.options.jwksTimeoutMs) as never });
      this.clients.set(jwksUri, client);
    }
    return client;
  }

  private warmUp(attempt: number): void {
    if (this.closed) return;
    const started = this.keys ? Promise.resolve() : this.load();
    started.then(
      () => {
        if (attempt === 0 && this.provider) this.logger.log(`Trusting tokens from ${this.provider.issuer} (keys: ${this.provider.jwksUri})`);
      },
      () => {
        if (this.closed) return;
        this.warmUpTimer = setTimeout(() => this.warmUp(attempt + 1), Math.min(WARM_UP_MAX_DELAY_MS, 1_000 * 2 ** attempt));
        this.warmUpTimer.unref();
      },
    );
  }
}

/** A problem with the provider's metadata, already worded for the operator. */
class ProviderProblem extends Error {}

function problemOf(err: unknown): string {
  if (err instanceof JsonFetchError) return err.problem;
  return (err as Error)?.message ?? String(err);
}
