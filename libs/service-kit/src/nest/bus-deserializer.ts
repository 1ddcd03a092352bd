import { BusError, decodeBody } from '@auth-bus/contracts';
import type { ConsumerDeserializer, IncomingEvent, IncomingRequest } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';

/**
 * Stands in for a body that could not be decoded. The deserializer cannot reply, so it hands
 * this to the handler, where `BusPayloadPipe` turns it into a typed INVALID_MESSAGE reply.
 */
export class UndecodableBody {
  constructor(readonly error: BusError) {}
}

/**
 * Server side: our wire format (a plain JSON body) in, NestJS's internal packet out.
 * A message with a reply subject is a request (it gets an id); without one it is an event.
 */
export class BusDeserializer implements ConsumerDeserializer {
  deserialize(value: unknown, options?: { channel?: string; replyTo?: string }): IncomingRequest | IncomingEvent {
    const pattern = options?.channel ?? '';
    let data: unknown;
    try {
      data = decodeBody(value as Uint8Array);
    } catch (err) {
      data = new UndecodableBody(err instanceof BusError ? err : BusError.invalidMessage('Undecodable body'));
    }
    return options?.replyTo ? { pattern, data, id: randomUUID() } : { pattern, data };
  }
}
