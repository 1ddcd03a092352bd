import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import type { AuthDecisionListener } from './auth-decision.listener';
import { BusAuthGuard } from './bus-auth.guard';
import { JwksKeyStore } from './jwks-key-store';
import { JwtAccessStrategy } from './jwt-access.strategy';
import { RevocationIndex, type RevocationIndexLogger, type RevocationSource } from './revocation-index';
import { resolveTokenVerifierOptions, type TokenVerifierOptions } from './token-verifier.options';
import { TokenVerifierService } from './token-verifier.service';
import { AUTH_DECISION_LISTENER, TOKEN_VERIFIER_OPTIONS } from './tokens';

export interface TokenVerifierModuleExtras {
  /**
   * Told about every BusAuthGuard decision (e.g. to audit it): a class (its dependencies come
   * from global modules) or an instance.
   */
  listener?: Type<AuthDecisionListener> | AuthDecisionListener;
  /**
   * Enforce the REVOCATIONS bucket: the index follows it on every connection of `source` (the
   * service's BusConnection). Every service that verifies tokens for others sets it.
   */
  revocations?: { source: RevocationSource; logger?: RevocationIndexLogger };
}

/**
 * `TokenVerifierModule.forRoot(options, { listener })` once in the app module (global):
 * provides TokenVerifierService, BusAuthGuard and the decision listener to every feature module.
 */
@Module({})
export class TokenVerifierModule {
  static forRoot(options: TokenVerifierOptions, extras: TokenVerifierModuleExtras = {}): DynamicModule {
    const listener: Provider[] = extras.listener
      ? [
          typeof extras.listener === 'function'
            ? { provide: AUTH_DECISION_LISTENER, useClass: extras.listener }
            : { provide: AUTH_DECISION_LISTENER, useValue: extras.listener },
        ]
      : [];
    const source = extras.revocations;
    const revocations: Provider[] = source
      ? [
          {
            provide: RevocationIndex,
            useFactory: () => {
              const index = new RevocationIndex({ logger: source.logger });
              index.follow(source.source);
              return index;
            },
          },
        ]
      : [];
    return {
      module: TokenVerifierModule,
      global: true,
      providers: [
        { provide: TOKEN_VERIFIER_OPTIONS, useValue: resolveTokenVerifierOptions(options) },
        JwksKeyStore,
        JwtAccessStrategy,
        TokenVerifierService,
        BusAuthGuard,
        ...listener,
        ...revocations,
      ],
      exports: [
        TOKEN_VERIFIER_OPTIONS,
        TokenVerifierService,
        BusAuthGuard,
        JwksKeyStore,
        ...(listener.length ? [AUTH_DECISION_LISTENER] : []),
        ...(revocations.length ? [RevocationIndex] : []),
      ],
    };
  }
}
