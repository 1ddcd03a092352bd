import { ApiPongRequest, ApiPongScopedRequest, PERMISSIONS, SUBJECTS, type ApiPongReply, type ApiPongScopedReply } from '@auth-bus/contracts';
import { BusPayloadPipe } from '@auth-bus/service-kit';
import { AuthIdentity, BusAuthGuard, RequirePermission, type VerifiedToken } from '@auth-bus/token-verifier';
import { Controller, UseGuards } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PongService } from './pong.service';

/**
 * The protected endpoints. BusAuthGuard verifies the bearer token from the NATS headers (and the
 * permission, for `api.pong-scoped`) before the body is even looked at; refusals are typed
 * UNAUTHENTICATED / FORBIDDEN replies and are audited as `api.denied`, successes as `api.allowed`.
 */
@Controller()
@UseGuards(BusAuthGuard)
export class PongController {
  constructor(private readonly pongService: PongService) {}

  /** `api.pong` — any valid access token (the article's `/api/pong`). */
  @MessagePattern(SUBJECTS.api.pong)
  pong(@Payload(new BusPayloadPipe(ApiPongRequest, 'api.pong request')) _body: ApiPongRequest, @AuthIdentity() caller: VerifiedToken): ApiPongReply {
    return this.pongService.pong(caller);
  }

  /** `api.pong-scoped` — needs `read:messages` (the article's `/api/pong-scoped`). */
  @MessagePattern(SUBJECTS.api.pongScoped)
  @RequirePermission(PERMISSIONS.readMessages)
  pongScoped(
    @Payload(new BusPayloadPipe(ApiPongScopedRequest, 'api.pong-scoped request')) _body: ApiPongScopedRequest,
    @AuthIdentity() caller: VerifiedToken,
  ): ApiPongScopedReply {
    return this.pongService.pongScoped(caller);
  }
}
