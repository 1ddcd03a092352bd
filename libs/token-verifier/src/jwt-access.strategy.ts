import { Inject, Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { audiences, inspectJwt, looksLikeNonAccessToken, type InspectedJwt } from './jwt-inspect';
import { JwksKeyStore } from './jwks-key-store';
import { TokenRejection } from './token-rejection';
import type { ResolvedTokenVerifierOptions } from './token-verifier.options';
import { JWT_STRATEGY_NAME, TOKEN_VERIFIER_OPTIONS } from './tokens';

/** The "request" the strategy authenticates: the bus has no HTTP request, only a token. */
export interface TokenRequest {
  token: string;
}

// passport-jwt's types say string | Buffer; jsonwebtoken takes the KeyObject we pass as well.
type KeyCallback = (err: any, key?: any) => void;

/** The actions passport-strategy's protocol gives an authentication attempt (what Passport sets). */
interface StrategyAttempt {
  authenticate(req: TokenRequest, options: Record<string, unknown>): void;
  success(user: Record<string, unknown>): void;
  fail(challenge?: unknown): void;
  error(err: unknown): void;
  pass(): void;
  redirect(url: string): void;
}

/**
 * The Passport JWT strategy (passport-jwt, keys from jwks-rsa through JwksKeyStore):
 * RS256 only, `iss` and `aud` checked, `exp`/`nbf` with a bounded clock tolerance.
 *
 * Before any key is looked up, the unverified header and claims are checked so that tokens that
 * can never pass are refused cheaply and with a precise reason, and never cause a JWKS fetch:
 * algorithm (`alg: none`, HS256 with the public key as secret → wrong_algorithm), issuer,
 * ID tokens and other non-access tokens, audience. Then jsonwebtoken verifies the signature and
 * all claims again, so nothing rests on the unverified reading.
 *
 * `authenticateToken` runs it by passport-strategy's public protocol — an attempt object made
 * from the strategy with `success`/`fail`/`error` set, exactly what `passport.authenticate` does —
 * so that each verifier runs its own strategy: several verifiers with different trust settings
 * can live in one process (tests do), which a strategy looked up by name in Passport's registry
 * (where the last one registered under a name wins) could not promise.
 */
@Injectable()
export class JwtAccessStrategy extends PassportStrategy(Strategy, JWT_STRATEGY_NAME) {
  private keyStore!: JwksKeyStore;

  constructor(@Inject(TOKEN_VERIFIER_OPTIONS) options: ResolvedTokenVerifierOptions, keyStore: JwksKeyStore) {
    const hints = new ConfigurationHints(options);
    super({
      jwtFromRequest: (req: TokenRequest) => req.token ?? null,
      secretOrKeyProvider: (_req: TokenRequest, rawJwt: string, done: KeyCallback) => {
        let jwt: InspectedJwt;
        try {
          jwt = precheckHeader(rawJwt);
        } catch (err) {
          done(err);
          return;
        }
        keyStore
          .ensureMetadata()
          .then(() => keyStore.getKey(precheckClaims(jwt, options, keyStore, hints)))
          .then(
            (key) => done(null, key),
            (err) => done(err),
          );
      },
      // `iss` is checked against the discovered issuer, before the key lookup and again in validate().
      audience: options.audience.length === 1 ? options.audience[0] : options.audience,
      algorithms: ['RS256'],
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: options.clockToleranceSec },
    });
    this.keyStore = keyStore;
  }

  /** passport-jwt's verify callback: the signature and standard claims are already checked. */
  validate(payload: Record<string, unknown>): Record<string, unknown> {
    if (!this.keyStore.acceptsIssuer(payload.iss)) throw new TokenRejection('wrong_issuer');
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256) {
      throw new TokenRejection('malformed', 'missing or invalid sub');
    }
    if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) {
      // jsonwebtoken accepts a token without `exp`; an access token that never expires is refused.
      throw new TokenRejection('malformed', 'missing exp');
    }
    return payload;
  }

  /** Runs this strategy for one token (passport-strategy's protocol); resolves with the verified claims. */
  authenticateToken(token: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const attempt = Object.create(this) as StrategyAttempt;
      attempt.success = (user) => resolve(user);
      attempt.fail = (challenge) => reject(challenge ?? new TokenRejection('malformed'));
      attempt.error = (err) => reject(err);
      attempt.pass = () => reject(new TokenRejection('malformed'));
      attempt.redirect = () => reject(new TokenRejection('malformed'));
      attempt.authenticate({ token }, { session: false });
    });
  }
}

/** Cheap refusals on the unverified token that need nothing from the provider. */
function precheckHeader(rawJwt: string): InspectedJwt {
  const jwt = inspectJwt(rawJwt);
  if (jwt.header.alg !== 'RS256') throw new TokenRejection('wrong_algorithm', `alg ${String(jwt.header.alg)}`);
  if (jwt.header.crit !== undefined) throw new TokenRejection('malformed', 'unsupported crit header');
  const kid = jwt.header.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > 256)) throw new TokenRejection('malformed', 'invalid kid');
  return jwt;
}

/** Cheap refusals on the unverified claims (issuer as discovered); returns the `kid` to look up. */
function precheckClaims(jwt: InspectedJwt, options: ResolvedTokenVerifierOptions, keyStore: JwksKeyStore, hints: ConfigurationHints): string | undefined {
  const kid = jwt.header.kid;
  if (!keyStore.acceptsIssuer(jwt.payload.iss)) {
    hints.wrongIssuer(jwt.payload.iss, keyStore.metadata?.issuer ?? options.issuer);
    throw new TokenRejection('wrong_issuer');
  }
  if (looksLikeNonAccessToken(jwt)) throw new TokenRejection('not_access_token');
  const aud = audiences(jwt.payload);
  if (!aud.some((a) => options.audience.includes(a))) {
    hints.wrongAudience(jwt.payload.aud);
    throw new TokenRejection('wrong_audience');
  }
  return kid as string | undefined;
}

/** A claim value for a log line: JSON, bounded (it comes from an unverified token). */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Tells the operator which setting to change when tokens are refused for a configuration
 * mismatch (the classic traps: audience, issuer with/without slash). The claims are shown, never
 * the token; at most one hint per kind a minute, so a flood of forged tokens cannot flood the log.
 */
class ConfigurationHints {
  private readonly logger = new Logger('TokenVerifier');
  private readonly last = new Map<string, number>();

  constructor(private readonly options: ResolvedTokenVerifierOptions) {}

  wrongAudience(aud: unknown): void {
    const names = this.options.settingNames;
    this.hint(
      'aud',
      `Token refused as wrong_audience: its aud is ${shown(aud)}, but ${names.audience} is ${shown(this.options.audience)}. ` +
        `If such tokens should be accepted, set ${names.audience} to the API identifier they carry, or make the provider put ` +
        `${shown(this.options.audience[0])} in aud (Auth0: the audience parameter; Keycloak: an audience mapper).`,
    );
  }

  wrongIssuer(iss: unknown, expected: string): void {
    const names = this.options.settingNames;
    this.hint('iss', `Token refused as wrong_issuer: its iss is ${shown(iss)}, expected ${shown(expected)} (from ${names.issuer}).`);
  }

  private hint(kind: string, message: string): void {
    const now = Date.now();
    if (now - (this.last.get(kind) ?? -Infinity) < 60_000) return;
    this.last.set(kind, now);
    this.logger.warn(message);
  }
}

