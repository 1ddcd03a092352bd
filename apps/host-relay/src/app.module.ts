import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_LOGGER, type AppLogger } from '@auth-bus/service-kit';
import { RELAY_CONFIG, type RelayConfig } from './config/relay.config';
import { HealthModule } from './health/health.module';
import { HttpGatewayModule } from './http-gateway/http-gateway.module';
import { WsGatewayModule } from './ws-gateway/ws-gateway.module';

/** Configuration and logger, available to every module. */
@Global()
@Module({})
class CoreModule {
  static register(config: RelayConfig, logger: AppLogger): DynamicModule {
    const providers = [
      { provide: RELAY_CONFIG, useValue: config },
      { provide: APP_LOGGER, useValue: logger },
    ];
    return { module: CoreModule, providers, exports: providers };
  }
}

@Module({})
export class AppModule {
  static register(config: RelayConfig, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.register(config, logger), HealthModule, HttpGatewayModule, WsGatewayModule],
    };
  }
}
