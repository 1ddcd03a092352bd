import { CliUsageError } from '../common/cli-runner';
import { parseAuditCliArgs } from './cli-args';
import { tableHeader, tableRow } from './format';

const NOW = Date.parse('2026-01-31T12:00:00Z');

describe('parseAuditCliArgs', () => {
  it('reads every option', () => {
    const options = parseAuditCliArgs(['--since', '10m', '--user', 'auth0|alice', '--kind', 'api.denied', '--limit', '5', '-f', '--json'], {}, NOW);
    expect(options).toMatchObject({
      since: new Date(NOW - 600_000),
      user: 'auth0|alice',
      kind: 'api.denied',
      limit: 5,
      follow: true,
      json: true,
      servers: ['nats://127.0.0.1:4222'],
      natsUser: 'audit-reader',
      natsPassword: 'audit-reader-dev-password',
    });
  });

  it('takes an ISO time for --since and the server from NATS_URL or --server', () => {
    expect(parseAuditCliArgs(['--since', '2026-01-30T08:00:00Z'], {}, NOW).since).toEqual(new Date('2026-01-30T08:00:00Z'));
    expect(parseAuditCliArgs([], { NATS_URL: 'nats://a:1', NATS_AUDIT_READER_PASSWORD: 'pw' }, NOW)).toMatchObject({ servers: ['nats://a:1'], natsPassword: 'pw' });
    expect(parseAuditCliArgs(['--server', 'nats://b:2'], { NATS_URL: 'nats://a:1' }, NOW).servers).toEqual(['nats://b:2']);
  });

  it.each([
    [['--kind', 'login']],
    [['--since', 'yesterday']],
    [['--limit', '0']],
    [['--verbose']],
    [['positional']],
  ])('refuses %p with a usage error', (argv) => {
    expect(() => parseAuditCliArgs(argv, {}, NOW)).toThrow(CliUsageError);
  });
});

describe('table format', () => {
  it('prints aligned rows without anything but the short token hash', () => {
    const row = tableRow({
      id: '0123456789abcdef',
      at: '2026-01-31T11:59:00.123Z',
      kind: 'api.denied',
      sub: 'auth0|bob',
      token_hash: 'abcdefabcdefabcd',
      reason: 'missing_permission',
      subject: 'api.pong-scoped',
      service: 'api-service',
      instance: 'api-service-1',
    });
    expect(row.startsWith('2026-01-31 11:59:00  api.denied')).toBe(true);
    expect(row).toContain('auth0|bob');
    expect(row).toContain('abcdefabcdefabcd');
    expect(row.indexOf('api-service-1')).toBe(tableHeader().indexOf('SEEN BY'));
  });

  it('shows who revoked whom for session.revoked, with the kind in full', () => {
    const row = tableRow({
      id: 'e2',
      at: '2026-01-31T11:59:00.000Z',
      kind: 'session.revoked',
      sub: 'auth0|alice',
      target_sub: 'auth0|bob',
      reason: 'offboarding',
      service: 'auth-service',
      instance: 'auth-1',
    });
    expect(row).toContain('session.revoked ');
    expect(row).toContain('auth0|alice→auth0|bob');
    expect(tableRow({ id: 'e3', at: '2026-01-31T11:59:00.000Z', kind: 'session.revoked', token_hash: 'abcdefabcdefabcd', service: 'revoke-cli', instance: 'r' })).toContain('operator→token');
  });
});
