import { Module } from '@nestjs/common';
import { VerifyModule } from '../verify/verify.module';
import { SessionEventsController } from './session-events.controller';
import { SessionEventsService } from './session-events.service';

@Module({ imports: [VerifyModule], controllers: [SessionEventsController], providers: [SessionEventsService] })
export class SessionEventsModule {}
