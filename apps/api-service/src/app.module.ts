import { ServiceKitModule, type ServiceRuntime } from '@auth-bus/service-kit';
import { TokenVerifierModule } from '@auth-bus/token-verifier';
import { Module, type DynamicModule } from '@nestjs/common';
import { ApiAuditListener } from './audit/api-audit.listener';
import type { ApiServiceConfig } from './config/api-service.config';
import { NotesModule } from './notes/notes.module';
import { PingModule } from './ping/ping.module';
import { PongModule } from './pong/pong.module';

@Module({})
export class AppModule {
  static register(config: ApiServiceConfig, runtime: ServiceRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot(runtime, config.audit),
        // Revocations (issue 21): every replica follows the REVOCATIONS bucket; refused as `revoked`.
        TokenVerifierModule.forRoot(config.auth, { listener: ApiAuditListener, revocations: { source: runtime.bus, logger: runtime.logger } }),
        PingModule,
        PongModule,
        NotesModule,
      ],
    };
  }
}
