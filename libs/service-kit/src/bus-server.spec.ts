import { ServerNats } from '@nestjs/microservices';
import { readFileSync } from 'node:fs';
import { BusServer } from './bus-server';

/**
 * BusServer keeps overrides of ServerNats only where NestJS has no public extension point
 * (serializer/deserializer and queue are plain options; Nest's processing hooks fire only for
 * handled messages, after the deserializer, so they cannot refuse a bounced reply subject, count
 * events or hold the reply batch). What those overrides rely on is pinned here, so that a NestJS
 * upgrade that changes it fails this test instead of silently bypassing the reply-subject wall
 * (faults/test/reply-bounce) or the drain count.
 */
describe('BusServer relies on ServerNats internals (pinned)', () => {
  const source = readFileSync(require.resolve('@nestjs/microservices/server/server-nats.js'), 'utf8');

  it('overrides methods that still exist with the same arity', () => {
    const expected: Record<string, number> = {
      createNatsClient: 0,
      getHandlerByPattern: 1,
      handleStatusUpdates: 1,
      bindEvents: 1,
      handleMessage: 2,
      getPublisher: 3,
      close: 0,
    };
    for (const [method, arity] of Object.entries(expected)) {
      expect([method, typeof (ServerNats.prototype as any)[method]]).toEqual([method, 'function']);
      expect([method, (ServerNats.prototype as any)[method].length]).toEqual([method, arity]);
      expect(Object.prototype.hasOwnProperty.call(BusServer.prototype, method)).toBe(true);
    }
  });

  it('gets its connection from createNatsClient and subscribes in bindEvents, in listen()', () => {
    expect(source).toMatch(/this\.natsClient = await this\.createNatsClient\(\)/);
    expect(source).toMatch(/this\.bindEvents\(this\.natsClient\)/);
  });

  it('routes every message through handleMessage, and every reply through getPublisher', () => {
    expect(source).toMatch(/return this\.handleMessage\(channel, message\)/);
    expect(source).toMatch(/const publish = this\.getPublisher\(natsMsg, message\.id, natsCtx\)/);
    expect(source).toMatch(/const handler = this\.getHandlerByPattern\(channel\)/);
  });
});
