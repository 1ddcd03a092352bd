import { Module } from '@nestjs/common';
import { BusModule } from '../bus/bus.module';
import { FrameHandler } from './frame-handler.service';
import { RevocationWatch } from './revocation-watch.service';
import { WsGateway } from './ws.gateway';

@Module({
  imports: [BusModule],
  providers: [FrameHandler, RevocationWatch, WsGateway],
  exports: [FrameHandler],
})
export class WsGatewayModule {}
