import { parseMessage, SessionEndedEvent, SessionReportedEvent, SUBJECTS } from '@auth-bus/contracts';
import { APP_LOGGER, type AppLogger } from '@auth-bus/service-kit';
import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, NatsContext, Payload } from '@nestjs/microservices';
import { SessionEventsService } from './session-events.service';

/**
 * `auth.session.reported` / `auth.session.ended` (events, no reply). An event that fails its
 * schema is logged (field paths only, never values) and dropped; nothing here can crash the service.
 */
@Controller()
export class SessionEventsController {
  constructor(
    private readonly sessions: SessionEventsService,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  @EventPattern(SUBJECTS.auth.sessionReported)
  async reported(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<void> {
    await this.handle(SUBJECTS.auth.sessionReported, async () =>
      this.sessions.reported(parseMessage(SessionReportedEvent, body, SUBJECTS.auth.sessionReported), context.getHeaders()),
    );
  }

  @EventPattern(SUBJECTS.auth.sessionEnded)
  async ended(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<void> {
    await this.handle(SUBJECTS.auth.sessionEnded, async () =>
      this.sessions.ended(parseMessage(SessionEndedEvent, body, SUBJECTS.auth.sessionEnded), context.getHeaders()),
    );
  }

  private async handle(subject: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.logger.warn({ subject, error: (err as Error).message }, 'session event dropped');
    }
  }
}
