import { ServiceKitModule, type ServiceRuntime } from '@auth-bus/service-kit';
import { TokenVerifierModule } from '@auth-bus/token-verifier';
import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import type { AuthServiceConfig } from './config/auth-service.config';
import { AUTH_SERVICE_CONFIG } from './config/config.token';
import { RevocationsModule } from './revocations/revocations.module';
import { SessionEventsModule } from './session-events/session-events.module';
import { VerifyModule } from './verify/verify.module';

@Module({})
export class AppModule {
  static register(config: AuthServiceConfig, runtime: ServiceRuntime): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ServiceKitModule.forRoot(runtime, config.audit),
        // auth.verify and auth.revoke refuse revoked tokens: the index follows the REVOCATIONS bucket,
        // read on the audit-writer connection (it answers nothing: no JetStream right a reply could target).
        TokenVerifierModule.forRoot(config.auth, { revocations: { source: runtime.auditBus, logger: runtime.logger } }),
        AuditModule,
        VerifyModule,
        SessionEventsModule,
        RevocationsModule,
      ],
      providers: [{ provide: AUTH_SERVICE_CONFIG, useValue: config }],
      exports: [AUTH_SERVICE_CONFIG],
    };
  }
}
