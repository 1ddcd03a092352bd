import { encodeBody, errorReply } from '@auth-bus/contracts';
import type { Serializer } from '@nestjs/microservices';
import { headers as natsHeaders, type MsgHdrs } from 'nats';

interface OutgoingPacket {
  id?: string;
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
}

/**
 * Server side: NestJS's reply packet in, our wire format out — the reply object itself, or
 * `{ error: {code, message} }`. NestJS's `{id, response, isDisposed}` envelope never leaves.
 */
export class BusSerializer implements Serializer<OutgoingPacket, { data: Uint8Array; headers?: MsgHdrs }> {
  serialize(packet: OutgoingPacket): { data: Uint8Array; headers?: MsgHdrs } {
    if (packet.err !== undefined) {
      const hdrs = natsHeaders();
      hdrs.set('Bus-Error', 'true');
      return { data: encodeBody(errorReply(packet.err)), headers: hdrs };
    }
    return { data: encodeBody(packet.response ?? null) };
  }
}
