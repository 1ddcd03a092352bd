import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateRsaKey, signRs256, type JwtHeader, type JwtPayload, type RsaKey } from './jwt-forge';

export interface LocalIssuerOptions {
  audience?: string;
  /** Keys to publish at start (kids); default one key, `local-1`. */
  kids?: string[];
  /**
   * The issuer's shape: `true` (default) ends it with a slash like Auth0 (`http://127.0.0.1:<port>/`),
   * `false` has none, like Keycloak (`http://127.0.0.1:<port>/realms/test` when `path` is given).
   */
  trailingSlash?: boolean;
  /** Path part of the issuer, e.g. `/realms/test` (default none). */
  path?: string;
  /** Where the JWKS is served (default `<issuer path>/.well-known/jwks.json`). */
  jwksPath?: string;
}

/**
 * A tiny OpenID-style issuer for tests: RSA keys generated in memory, a discovery document
 * (`<issuer>/.well-known/openid-configuration`) and a JWKS endpoint on a free port, token
 * signing, key rotation, and switches to make either fail — everything a verifier talks to.
 * Its shape is configurable (issuer with or without a trailing slash, JWKS anywhere), so the
 * verifier can be tried against Auth0-like and Keycloak-like providers.
 */
export class LocalIssuer {
  readonly keys = new Map<string, RsaKey>();
  /** Keys that sign but are not published (rotated out, or never published). */
  readonly unpublished = new Set<string>();
  jwksRequests = 0;
  discoveryRequests = 0;
  failJwks = false;
  /** Answer discovery with 404 (a provider without discovery, or a wrong issuer URL). */
  failDiscovery = false;
  /** What discovery announces as `issuer` (default: the issuer). */
  announcedIssuer?: string;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    readonly audience: string,
    readonly origin: string,
    readonly jwksPath: string,
  ) {}

  static async start(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
    const ref: { issuer?: LocalIssuer } = {};
    const server = createServer((req, res) => {
      const self = ref.issuer;
      const path = (req.url ?? '').split('?')[0];
      if (self && path === `${new URL(self.issuer).pathname.replace(/\/$/, '')}/.well-known/openid-configuration`) {
        self.discoveryRequests++;
        if (self.failDiscovery) {
          res.writeHead(404).end('not found');
          return;
        }
        const doc = { issuer: self.announcedIssuer ?? self.issuer, jwks_uri: self.jwksUri, id_token_signing_alg_values_supported: ['RS256'] };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
        return;
      }
      if (!self || path !== self.jwksPath) {
        res.writeHead(404).end();
        return;
      }
      self.jwksRequests++;
      if (self.failJwks) {
        res.writeHead(503).end('unavailable');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(self.jwks()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const origin = `http://127.0.0.1:${port}`;
    const path = (options.path ?? '').replace(/\/$/, '');
    const issuerUrl = options.trailingSlash === false ? `${origin}${path}` : `${origin}${path}/`;
    const jwksPath = options.jwksPath ?? `${path}/.well-known/jwks.json`;
    const issuer = new LocalIssuer(server, issuerUrl, options.audience ?? 'http://localhost:8888/api', origin, jwksPath);
    for (const kid of options.kids ?? ['local-1']) issuer.addKey(kid);
    ref.issuer = issuer;
    return issuer;
  }

  get jwksUri(): string {
    return `${this.origin}${this.jwksPath}`;
  }

  get currentKid(): string {
    const published = [...this.keys.keys()].filter((k) => !this.unpublished.has(k));
    return published[published.length - 1];
  }

  addKey(kid: string, publish = true): RsaKey {
    const key = generateRsaKey(kid);
    this.keys.set(kid, key);
    if (!publish) this.unpublished.add(kid);
    return key;
  }

  publish(kid: string): void {
    this.unpublished.delete(kid);
  }

  unpublish(kid: string): void {
    this.unpublished.add(kid);
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return {
      keys: [...this.keys.values()]
        .filter((k) => !this.unpublished.has(k.kid))
        .map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, use: 'sig', alg: 'RS256' })),
    };
  }

  /** The public key PEM of a key (what an HS256 confusion attack uses as the HMAC secret). */
  publicPem(kid = this.currentKid): string {
    return this.keys.get(kid)!.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  /** Standard access-token claims for `sub`, valid for an hour; a fresh `jti` makes every token unique. */
  claims(sub = 'local|alice', extra: JwtPayload = {}): JwtPayload {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: this.issuer,
      aud: this.audience,
      sub,
      iat: now,
      exp: now + 3600,
      azp: 'component-web',
      scope: 'openid profile email',
      permissions: ['read:messages'],
      jti: randomUUID(),
      ...extra,
    };
  }

  /** An RS256 token signed with `kid` (default: the current key). */
  sign(payload: JwtPayload, options: { kid?: string; header?: JwtHeader } = {}): string {
    const kid = options.kid ?? this.currentKid;
    const key = this.keys.get(kid);
    if (!key) throw new Error(`No key ${kid}`);
    return signRs256({ alg: 'RS256', typ: 'at+jwt', kid, ...options.header }, payload, key.privateKey);
  }

  accessToken(sub?: string, extra: JwtPayload = {}): string {
    return this.sign(this.claims(sub, extra));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
