import { auditSubject, AuditEvent, type RevocationRecord } from '@auth-bus/contracts';
import { randomUUID } from 'node:crypto';
import { bindRevocationBucket, putRevocation, revocationInstant } from '../revocations/revocation-bucket';
import { parseRevokeArgs, REVOKE_USAGE } from './revoke-args';
import { connectCli } from '../common/cli-connection';
import { readCommandLine, runCliMain, type CliLine } from '../common/cli-runner';

/**
 * The revoke command: `npm run revoke -- --user SUB | --token TOKEN | --token-hash H [--reason TEXT]`.
 * Writes one revocation into the REVOCATIONS bucket as the NATS user `revoker`, then records it
 * as a `session.revoked` audit event. Exit 0 once JetStream has stored the revocation (every
 * verifier then refuses the token within the time the watch takes to deliver it).
 */
export async function runRevokeCli(argv: string[], out: CliLine, err: CliLine, now = Date.now()): Promise<number> {
  const options = readCommandLine('revoke', REVOKE_USAGE, () => parseRevokeArgs(argv), { out, err }, (o) => o.help || !o.target);
  if (typeof options === 'number') return options;
  const nc = await connectCli('revoke', options, err);
  if (!nc) return 1;
  // without a target, readCommandLine has printed the usage
  const target = options.target!;
  const record: RevocationRecord =
    target.kind === 'user'
      ? { kind: 'user', sub: target.sub, revoked_at: revocationInstant(now), by: 'revoke-cli' }
      : { kind: 'token', token_hash: target.tokenHash, revoked_at: revocationInstant(now), by: 'revoke-cli' };
  if (options.reason) record.reason = options.reason;
  try {
    const kv = await bindRevocationBucket(nc);
    try {
      await putRevocation(kv, record);
    } catch (e) {
      const message = (e as Error).message;
      if (/no responders|not found|503/i.test(message)) {
        err('revoke: the REVOCATIONS bucket does not exist yet: start auth-service once (it creates it), then try again');
        return 1;
      }
      throw e;
    }
    const event = AuditEvent.parse({
      id: randomUUID(),
      at: new Date(now).toISOString(),
      kind: 'session.revoked',
      target_sub: record.sub,
      token_hash: record.token_hash,
      reason: options.reason?.slice(0, 64),
      service: 'revoke-cli',
      instance: `revoke-cli-${process.pid}`,
    });
    try {
      await nc.jetstream().publish(auditSubject('session.revoked'), JSON.stringify(event), { msgID: event.id, timeout: 5_000 });
    } catch (e) {
      err(`revoke: revoked, but the audit event was not stored: ${(e as Error).message}`);
    }
    out(
      record.kind === 'user'
        ? `revoked every token of ${record.sub} issued at or before ${new Date(record.revoked_at * 1000).toISOString()}`
        : `revoked the token ${record.token_hash}`,
    );
    return 0;
  } catch (e) {
    err(`revoke: ${(e as Error).message}`);
    return 1;
  } finally {
    await nc.close().catch(() => undefined);
  }
}

if (require.main === module) runCliMain('revoke', (argv, out, err) => runRevokeCli(argv, out, err));
