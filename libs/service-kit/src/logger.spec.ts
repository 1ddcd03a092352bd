import { Writable } from 'node:stream';
import { createLogger, NestPinoLogger, scrubSecrets } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { lines, logger: createLogger({ service: 'svc', instance: 'svc-1', level: 'debug', destination }) };
}

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('logger', () => {
  it('writes JSON lines with service, instance, level and time', () => {
    const { lines, logger } = capture();
    logger.info({ subject: 'api.ping' }, 'hello');
    expect(lines[0]).toMatchObject({ level: 'info', service: 'svc', instance: 'svc-1', subject: 'api.ping', msg: 'hello' });
    expect(typeof lines[0].time).toBe('string');
  });

  it('never writes a token: keys are redacted and JWT-shaped text is scrubbed', () => {
    const { lines, logger } = capture();
    logger.info({ token: JWT, headers: { authorization: `Bearer ${JWT}` }, nested: { password: 'pw' } }, `got ${JWT}`);
    logger.warn(`Authorization: Bearer ${JWT}`);
    logger.error({ err: new Error(`bad token ${JWT}`) }, 'failed');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('eyJ');
    expect(text).not.toContain('"pw"');
    expect(lines[0]).toMatchObject({ token: '[redacted]', headers: { authorization: '[redacted]' } });
  });

  it('logs an `err` that is not an Error (a thrown string) without crashing, still scrubbed', () => {
    const { lines, logger } = capture();
    expect(() => logger.error({ err: `plain string with ${JWT}` }, 'failed')).not.toThrow();
    expect(() => logger.error({ err: { code: 'X' } }, 'failed')).not.toThrow();
    expect(lines[0].err).toMatchObject({ type: 'string' });
    expect(JSON.stringify(lines)).not.toContain(JWT);
  });

  it('scrubs bearer credentials that are not JWTs', () => {
    expect(scrubSecrets('Authorization: bearer opaque-token-123, next')).toBe('Authorization: bearer [redacted], next');
  });

  it('adapts NestJS log calls (message, context) and (message, stack, context)', () => {
    const { lines, logger } = capture();
    const nest = new NestPinoLogger(logger);
    nest.log('Nest application successfully started', 'NestMicroservice');
    nest.error('boom', 'Error: boom\n    at somewhere (x.js:1:1)', 'ExceptionsHandler');
    nest.warn({ event: 'x' }, 'Ctx');
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'Nest application successfully started', context: 'NestMicroservice' });
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'boom', context: 'ExceptionsHandler' });
    expect(String(lines[1].stack)).toContain('at somewhere');
    expect(lines[2]).toMatchObject({ level: 'warn', event: 'x', context: 'Ctx' });
  });
});
