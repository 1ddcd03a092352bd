import { Module } from '@nestjs/common';
import { BusModule } from '../bus/bus.module';
import { HealthController } from './health.controller';
import { ReadinessService } from './readiness.service';

@Module({
  imports: [BusModule],
  controllers: [HealthController],
  providers: [ReadinessService],
})
export class HealthModule {}
