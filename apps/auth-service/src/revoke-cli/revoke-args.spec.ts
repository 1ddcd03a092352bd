import { tokenHash } from '@auth-bus/token-verifier';
import { CliUsageError } from '../common/cli-runner';
import { parseRevokeArgs } from './revoke-args';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

describe('parseRevokeArgs', () => {
  it('--user: a subject; connects as revoker with the development password by default', () => {
    expect(parseRevokeArgs(['--user', 'auth0|bob', '--reason', 'offboarding'], {})).toMatchObject({
      target: { kind: 'user', sub: 'auth0|bob' },
      reason: 'offboarding',
      natsUser: 'revoker',
      natsPassword: 'revoker-dev-password',
      servers: ['nats://127.0.0.1:4222'],
    });
  });

  it('--token: keeps only the short hash (the one token hash function), never the token', () => {
    const options = parseRevokeArgs(['--token', `Bearer ${JWT}`], {});
    expect(options.target).toEqual({ kind: 'token', tokenHash: tokenHash(JWT) });
    expect(JSON.stringify(options)).not.toContain(JWT);
  });

  it('--token-hash, NATS_URL and NATS_REVOKER_PASSWORD from the environment', () => {
    expect(parseRevokeArgs(['--token-hash', '0123456789ABCDEF'], { NATS_URL: 'nats://n:4333', NATS_REVOKER_PASSWORD: 's3cret' })).toMatchObject({
      target: { kind: 'token', tokenHash: '0123456789abcdef' },
      servers: ['nats://n:4333'],
      natsPassword: 's3cret',
    });
  });

  it.each([
    [[]],
    [['--user', 'a', '--token', JWT]],
    [['--token', 'not-a-jwt']],
    [['--token-hash', 'abc']],
    [['--user', '']],
    [['--user', 'a', '--reason', 'x'.repeat(201)]],
    [['--bogus']],
  ])('refuses %j with a usage error', (argv) => {
    expect(() => parseRevokeArgs(argv as string[], {})).toThrow(CliUsageError);
  });
});
