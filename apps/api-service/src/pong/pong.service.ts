import { PERMISSIONS, type ApiPongReply, type ApiPongScopedReply } from '@auth-bus/contracts';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@auth-bus/service-kit';
import type { VerifiedToken } from '@auth-bus/token-verifier';
import { Inject, Injectable } from '@nestjs/common';

@Injectable()
export class PongService {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  pong(caller: VerifiedToken): ApiPongReply {
    const at = new Date().toISOString();
    return { data: `Hello from a SECURE endpoint, ${caller.sub}! ${at}`, sub: caller.sub, instance: this.runtime.instance, at };
  }

  pongScoped(caller: VerifiedToken): ApiPongScopedReply {
    const at = new Date().toISOString();
    return {
      data: `Hello from a SECURE and SCOPED endpoint, ${caller.sub}! You hold ${PERMISSIONS.readMessages}. ${at}`,
      sub: caller.sub,
      permission: PERMISSIONS.readMessages,
      instance: this.runtime.instance,
      at,
    };
  }
}
