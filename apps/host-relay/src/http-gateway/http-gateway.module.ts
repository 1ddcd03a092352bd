import { Module } from '@nestjs/common';
import { BusModule } from '../bus/bus.module';
import { HttpGatewayHandler } from './http-gateway.handler';

@Module({
  imports: [BusModule],
  providers: [HttpGatewayHandler],
  exports: [HttpGatewayHandler],
})
export class HttpGatewayModule {}
