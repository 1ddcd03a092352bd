import { MAX_TOKEN_CHARS } from '@auth-bus/contracts';
import pino from 'pino';
import { loadConfig } from '../config/relay.config';
import { BusService, checkTokenShape } from './bus.service';

describe('checkTokenShape', () => {
  it('accepts JWTs and other RFC 6750 tokens', () => {
    expect(() => checkTokenShape('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln')).not.toThrow();
    expect(() => checkTokenShape('abc+/def==')).not.toThrow();
  });

  it.each(['a b', 'a\r\nX: 1', 'a\n', 'tok"en', 'x'.repeat(MAX_TOKEN_CHARS + 1), '=abc'])('refuses %p as malformed', (token) => {
    expect(() => checkTokenShape(token)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'malformed' }));
  });
});

describe('BusService without NATS', () => {
  it('fails fast with UNAVAILABLE instead of waiting for a deadline', async () => {
    const bus = new BusService(loadConfig({ NATS_URL: 'nats://127.0.0.1:1' }), pino({ level: 'silent' }));
    const started = Date.now();
    await expect(bus.request('api.ping', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(() => bus.publish('auth.session.ended', { session_id: 's', ended_at: new Date().toISOString() })).toThrow(
      expect.objectContaining({ code: 'UNAVAILABLE' }),
    );
    expect(Date.now() - started).toBeLessThan(100);
    expect(bus.isConnected).toBe(false);
  });

  it('validates a request body against the contract before anything else', async () => {
    const bus = new BusService(loadConfig({}), pino({ level: 'silent' }));
    await expect(bus.request('api.ping', { surprise: 1 })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });
});
