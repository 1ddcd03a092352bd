import type { ApiPingReply } from '@auth-bus/contracts';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@auth-bus/service-kit';
import { Inject, Injectable } from '@nestjs/common';

@Injectable()
export class PingService {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  ping(): ApiPingReply {
    const at = new Date().toISOString();
    return { data: `Hello from a PUBLIC endpoint! ${at}`, instance: this.runtime.instance, at };
  }
}
