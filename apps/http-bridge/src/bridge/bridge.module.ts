import { Module, type DynamicModule } from '@nestjs/common';
import type { BridgeRoutes } from '@auth-bus/service-kit/config';
import { BridgeController } from './bridge.controller';
import { BRIDGE_ROUTES, BridgeService } from './bridge.service';

@Module({})
export class BridgeModule {
  static register(routes: BridgeRoutes): DynamicModule {
    return { module: BridgeModule, controllers: [BridgeController], providers: [BridgeService, { provide: BRIDGE_ROUTES, useValue: routes }] };
  }
}
