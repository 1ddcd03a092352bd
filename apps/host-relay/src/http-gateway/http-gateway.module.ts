import { Module } from '@nestjs/common';
import { BusModule } from '../bus/bus.module';
import { HttpRateLimitGuard } from '../common/guards/http-rate-limit.guard';
import { HttpGatewayController } from './http-gateway.controller';

@Module({
  imports: [BusModule],
  controllers: [HttpGatewayController],
  providers: [HttpRateLimitGuard],
})
export class HttpGatewayModule {}
