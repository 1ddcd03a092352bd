import { ServiceKitModule, type ServiceRuntime } from '@auth-bus/service-kit';
import { TokenVerifierModule } from '@auth-bus/token-verifier';
import { Module, type DynamicModule } from '@nestjs/common';
import { BridgeModule } from './bridge/bridge.module';
import type { HttpBridgeConfig } from './config/http-bridge.config';

@Module({})
export class AppModule {
  static register(config: HttpBridgeConfig, runtime: ServiceRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forRoot(runtime, config.audit), TokenVerifierModule.forRoot(config.auth), BridgeModule.register(config.routes)],
    };
  }
}
