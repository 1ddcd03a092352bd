import { BusError, decodeBody, encodeBody, ApiPingRequest } from '@auth-bus/contracts';
import { BusDeserializer, UndecodableBody } from './bus-deserializer';
import { BusPayloadPipe } from './bus-payload.pipe';
import { BusSerializer } from './bus-serializer';

describe('NestJS adapter', () => {
  const serializer = new BusSerializer();
  const deserializer = new BusDeserializer();

  it('sends the reply object itself, without NestJS envelope fields', () => {
    const out = serializer.serialize({ id: 'x', response: { data: 'hi' }, isDisposed: true });
    expect(decodeBody(out.data)).toEqual({ data: 'hi' });
  });

  it('sends errors as { error: { code, message } }', () => {
    const out = serializer.serialize({ id: 'x', err: { code: 'FORBIDDEN', message: 'Missing permission: read:messages', permission: 'read:messages' } });
    expect(decodeBody(out.data)).toEqual({ error: { code: 'FORBIDDEN', message: 'Missing permission: read:messages', permission: 'read:messages' } });
    const generic = serializer.serialize({ id: 'x', err: 'Internal server error' });
    expect(decodeBody(generic.data)).toEqual({ error: { code: 'INTERNAL', message: 'Internal error' } });
  });

  it('turns a message with a reply subject into a request and one without into an event', () => {
    const req = deserializer.deserialize(encodeBody({ a: 1 }), { channel: 'api.ping', replyTo: '_INBOX.x' });
    expect(req).toMatchObject({ pattern: 'api.ping', data: { a: 1 } });
    expect((req as { id?: string }).id).toEqual(expect.any(String));
    const evt = deserializer.deserialize(encodeBody({ a: 1 }), { channel: 'auth.session.ended' });
    expect((evt as { id?: string }).id).toBeUndefined();
  });

  it('hands undecodable bodies to the pipe, which answers INVALID_MESSAGE', () => {
    const req = deserializer.deserialize(new TextEncoder().encode('not json'), { channel: 'api.ping', replyTo: '_INBOX.x' });
    expect(req.data).toBeInstanceOf(UndecodableBody);
    const pipe = new BusPayloadPipe(ApiPingRequest);
    expect(() => pipe.transform(req.data)).toThrow(BusError);
    expect(() => pipe.transform({ unexpected: true })).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
    expect(pipe.transform({})).toEqual({});
  });
});
