import { Transport, type NatsOptions } from '@nestjs/microservices';
import { BusDeserializer } from './bus-deserializer';
import { BusSerializer } from './bus-serializer';

export interface NatsTransportConfig {
  servers: string[];
  user: string;
  pass: string;
  /** Connection name shown in NATS monitoring (`/connz`), e.g. `api-service:7f3a`. */
  name: string;
  /** Queue group shared by all replicas of the service. */
  queue?: string;
}

/**
 * NestJS NATS transport options with our wire format, and a connection that keeps trying:
 * a service started before NATS, or cut off by a NATS restart, reconnects by itself.
 */
export function natsTransportOptions(config: NatsTransportConfig): NatsOptions {
  return {
    transport: Transport.NATS,
    options: {
      servers: config.servers,
      user: config.user,
      pass: config.pass,
      name: config.name,
      queue: config.queue,
      serializer: new BusSerializer(),
      deserializer: new BusDeserializer(),
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 5_000,
      maxPingOut: 2,
    } as NatsOptions['options'],
  };
}
