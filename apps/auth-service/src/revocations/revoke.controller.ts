import { AuthRevokeRequest, SUBJECTS, type AuthRevokeReply } from '@auth-bus/contracts';
import { BusPayloadPipe } from '@auth-bus/service-kit';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { RevokeService } from './revoke.service';

/** `auth.revoke` (request–reply): "log out everywhere", or an admin revoking someone's sessions. */
@Controller()
export class RevokeController {
  constructor(private readonly revokeService: RevokeService) {}

  @MessagePattern(SUBJECTS.auth.revoke)
  revoke(
    @Payload(new BusPayloadPipe(AuthRevokeRequest, 'auth.revoke request')) request: AuthRevokeRequest,
    @Ctx() context: NatsContext,
  ): Promise<AuthRevokeReply> {
    return this.revokeService.revoke(context.getHeaders(), request);
  }
}
