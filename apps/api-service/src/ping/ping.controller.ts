import { ApiPingRequest, SUBJECTS, type ApiPingReply } from '@auth-bus/contracts';
import { BusPayloadPipe } from '@auth-bus/service-kit';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PingService } from './ping.service';

/** `api.ping` — public: no token needed (the article's `/api/ping`). */
@Controller()
export class PingController {
  constructor(private readonly pingService: PingService) {}

  @MessagePattern(SUBJECTS.api.ping)
  ping(@Payload(new BusPayloadPipe(ApiPingRequest, 'api.ping request')) _body: ApiPingRequest): ApiPingReply {
    return this.pingService.ping();
  }
}
