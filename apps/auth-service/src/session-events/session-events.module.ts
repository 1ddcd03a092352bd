import { Module } from '@nestjs/common';
import { SessionEventsController } from './session-events.controller';
import { SessionEventsService } from './session-events.service';

@Module({ controllers: [SessionEventsController], providers: [SessionEventsService] })
export class SessionEventsModule {}
