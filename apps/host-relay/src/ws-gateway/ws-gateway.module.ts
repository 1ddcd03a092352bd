import { Module } from '@nestjs/common';
import { BusModule } from '../bus/bus.module';
import { FrameHandler } from './frame-handler.service';
import { WsGateway } from './ws.gateway';

@Module({
  imports: [BusModule],
  providers: [FrameHandler, WsGateway],
  exports: [FrameHandler],
})
export class WsGatewayModule {}
