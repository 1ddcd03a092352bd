import { Module } from '@nestjs/common';
import { BusService } from './bus.service';
import { RouteForwarder } from './route-forwarder.service';

@Module({
  providers: [BusService, RouteForwarder],
  exports: [BusService, RouteForwarder],
})
export class BusModule {}
