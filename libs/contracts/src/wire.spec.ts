import { BusError } from './errors';
import { decodeBody, encodeBody, errorReply, fromWireError, isErrorReply, MAX_BODY_BYTES, parseBearer, toWireError } from './wire';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof BusError ? err.code : 'NOT_A_BUS_ERROR';
  }
  return undefined;
};

describe('wire format', () => {
  it('round-trips JSON bodies', () => {
    expect(decodeBody(encodeBody({ a: 1, b: ['x'] }))).toEqual({ a: 1, b: ['x'] });
  });

  it('treats an empty body as an empty object', () => {
    expect(decodeBody(new Uint8Array())).toEqual({});
  });

  it('answers INVALID_MESSAGE for non-JSON and non-UTF-8 bodies', () => {
    expect(codeOf(() => decodeBody(new TextEncoder().encode('{nope')))).toBe('INVALID_MESSAGE');
    expect(codeOf(() => decodeBody(new Uint8Array([0xff, 0xfe, 0xfd])))).toBe('INVALID_MESSAGE');
  });

  it('answers PAYLOAD_TOO_LARGE above the body limit', () => {
    expect(codeOf(() => decodeBody(new Uint8Array(MAX_BODY_BYTES + 1)))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('reads bearer tokens with a case-insensitive scheme and rejects other schemes', () => {
    expect(parseBearer('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(parseBearer('bearer abc')).toBe('abc');
    expect(parseBearer('BEARER   abc  ')).toBe('abc');
    expect(parseBearer('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(parseBearer('Bearer')).toBeUndefined();
    expect(parseBearer('Bearer a b')).toBeUndefined();
    expect(parseBearer(undefined)).toBeUndefined();
  });

  it('never exposes the message of an unexpected error', () => {
    expect(toWireError(new Error('db password is hunter2'))).toEqual({ code: 'INTERNAL', message: 'Internal error' });
    expect(toWireError(new BusError('INTERNAL', 'stack details'))).toEqual({ code: 'INTERNAL', message: 'Internal error' });
  });

  it('keeps code, reason and permission of typed errors across the wire', () => {
    const reply = errorReply(BusError.forbidden('read:messages'));
    expect(isErrorReply(reply)).toBe(true);
    const back = fromWireError(reply.error);
    expect(back).toMatchObject({ code: 'FORBIDDEN', status: 403, permission: 'read:messages', reason: 'missing_permission' });
    expect(fromWireError(errorReply(BusError.unauthenticated('expired')).error)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'expired' });
  });
});
