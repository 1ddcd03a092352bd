import { SUBJECT_FAMILIES, type BridgeReply } from '@auth-bus/contracts';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { BridgeService } from './bridge.service';

/**
 * Every bridge route on one subscription, `bridge.>` in the `http-bridge` queue group: the
 * routes come from the configuration file, so the subject (`bridge.<route id>`) picks the route.
 * The token is checked in BridgeService (not BusAuthGuard) because each route has its own
 * permission, read from the file rather than from a decorator.
 */
@Controller()
export class BridgeController {
  constructor(private readonly bridge: BridgeService) {}

  @MessagePattern(SUBJECT_FAMILIES.bridge)
  forward(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<BridgeReply> {
    return this.bridge.handle({ subject: context.getSubject(), headers: context.getHeaders(), body });
  }
}
