import { AUDIT_KINDS, auditSubject, encodeBody, type AuditEvent } from '@auth-bus/contracts';
import { auditEventId } from './audit-event-ids';
import { isStreamNotFound, matchesFilter, parseAuditMessage } from './audit-reader';

const event: AuditEvent = {
  id: '0123456789abcdef0123',
  at: '2026-01-31T10:00:00.000Z',
  kind: 'api.allowed',
  sub: 'auth0|alice',
  subject: 'api.pong',
  service: 'api-service',
  instance: 'api-service-1',
};

describe('audit reading helpers', () => {
  it('filters by kind, user and time', () => {
    expect(matchesFilter(event, {})).toBe(true);
    expect(matchesFilter(event, { kind: 'api.allowed', sub: 'auth0|alice', since: new Date('2026-01-31T10:00:00Z') })).toBe(true);
    expect(matchesFilter(event, { kind: 'api.denied' })).toBe(false);
    expect(matchesFilter(event, { sub: 'auth0|bob' })).toBe(false);
    expect(matchesFilter(event, { since: new Date('2026-01-31T10:00:01Z') })).toBe(false);
  });

  it('reads a stored event and ignores anything else', () => {
    const subject = 'audit.events.api.allowed';
    expect(parseAuditMessage({ subject, data: encodeBody(event) })).toEqual(event);
    expect(parseAuditMessage({ subject, data: encodeBody({ ...event, token: 'x' }) })).toBeUndefined();
    expect(parseAuditMessage({ subject, data: new TextEncoder().encode('not json') })).toBeUndefined();
  });

  it.each(AUDIT_KINDS)('reads a %s event only from its own subject', (kind) => {
    const stored = { ...event, kind };
    for (const other of AUDIT_KINDS) {
      const read = parseAuditMessage({ subject: auditSubject(other), data: encodeBody(stored) });
      expect(read === undefined ? 'refused' : 'read').toBe(other === kind ? 'read' : 'refused');
    }
    // Not on a subject below another kind's either (api-service may publish on audit.events.api.>).
    expect(parseAuditMessage({ subject: `audit.events.api.${kind}`, data: encodeBody(stored) })).toBeUndefined();
  });

  it('recognises JetStream\'s "stream not found"', () => {
    expect(isStreamNotFound({ api_error: { err_code: 10059 } })).toBe(true);
    expect(isStreamNotFound(new Error('stream not found'))).toBe(true);
    expect(isStreamNotFound(new Error('timeout'))).toBe(false);
  });

  it('derives stable, distinct event ids', () => {
    expect(auditEventId('login.verified', 's1', 'h')).toBe(auditEventId('login.verified', 's1', 'h'));
    expect(auditEventId('login.verified', 's1', 'h')).not.toBe(auditEventId('login.rejected', 's1', 'h'));
    expect(auditEventId('a', 'bc')).not.toBe(auditEventId('ab', 'c'));
    expect(auditEventId('x')).toMatch(/^[0-9a-f]{32}$/);
  });
});
