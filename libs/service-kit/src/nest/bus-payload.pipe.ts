import { parseMessage } from '@auth-bus/contracts';
import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { UndecodableBody } from './bus-deserializer';

/**
 * Validates a handler's payload against its contract schema:
 * `@Payload(new BusPayloadPipe(ApiPingRequest)) body: ApiPingRequest`.
 * Throws a typed INVALID_MESSAGE, which BusExceptionFilter sends back as the reply.
 */
@Injectable()
export class BusPayloadPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly what = 'message',
  ) {}

  transform(value: unknown): z.infer<S> {
    if (value instanceof UndecodableBody) throw value.error;
    return parseMessage(this.schema, value, this.what);
  }
}
