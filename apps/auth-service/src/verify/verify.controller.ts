import { AuthVerifyRequest, SUBJECTS, type VerifiedIdentity } from '@auth-bus/contracts';
import { BusPayloadPipe } from '@auth-bus/service-kit';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { VerifyService } from './verify.service';

/**
 * `auth.verify` (request–reply): what the Streamlit host and host-relay ask before trusting
 * anything a browser says. The token rides in the `Authorization` header, never in the body.
 */
@Controller()
export class VerifyController {
  constructor(private readonly verifyService: VerifyService) {}

  @MessagePattern(SUBJECTS.auth.verify)
  verify(
    @Payload(new BusPayloadPipe(AuthVerifyRequest, 'auth.verify request')) request: AuthVerifyRequest,
    @Ctx() context: NatsContext,
  ): Promise<VerifiedIdentity> {
    return this.verifyService.verify(context.getHeaders(), request);
  }
}
