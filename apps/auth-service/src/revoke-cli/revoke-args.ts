import { Sub } from '@auth-bus/contracts';
import { DEV_NATS_PASSWORDS, envString, type Env } from '@auth-bus/service-kit/config';
import { tokenHash } from '@auth-bus/token-verifier';
import { cliServers, CliUsageError, parseCliFlags } from '../common/cli-runner';

export const REVOKE_USAGE = `Usage: npm run revoke -- (--user SUB | --token TOKEN | --token-hash HASH) [--reason TEXT]

Revokes access tokens at once on every verifier (api-service replicas, auth.verify): they are
refused as UNAUTHENTICATED, reason "revoked", until they would have expired anyway.

  --user <sub>         every token of this user issued up to now (e.g. auth0|alice); tokens
                       issued afterwards (a new login) work
  --token <token>      this one token (only its short hash is stored, never the token)
  --token-hash <hash>  the token with this short hash (16 hex, as the audit trail shows it)
  --reason <text>      why (kept in the revocation and its audit event)
  --server <url>       NATS server(s), comma-separated (default $NATS_URL or nats://127.0.0.1:4222)
  --help, -h           this text

Connects as the NATS user revoker (REVOKE_NATS_PASSWORD, else $NATS_REVOKER_PASSWORD, else the
development password), which may only write revocations and their audit events.`;

export const DEV_REVOKER_PASSWORD = DEV_NATS_PASSWORDS.revoker;

export type RevokeTarget = { kind: 'user'; sub: string } | { kind: 'token'; tokenHash: string };

export interface RevokeCliOptions {
  target?: RevokeTarget;
  reason?: string;
  servers: string[];
  natsUser: string;
  natsPassword: string;
  help: boolean;
}

export function parseRevokeArgs(argv: string[], env: Env = process.env): RevokeCliOptions {
  const values = parseCliFlags(argv, {
    user: { type: 'string' },
    token: { type: 'string' },
    'token-hash': { type: 'string' },
    reason: { type: 'string' },
  });
  const servers = cliServers(values.server, env);
  const natsPassword = envString(env, 'REVOKE_NATS_PASSWORD', envString(env, 'NATS_REVOKER_PASSWORD', DEV_REVOKER_PASSWORD));
  const base = { servers, natsUser: 'revoker', natsPassword, help: values.help ?? false };
  if (base.help) return base;
  const given = [values.user, values.token, values['token-hash']].filter((v) => v !== undefined);
  if (given.length !== 1) throw new CliUsageError('give exactly one of --user, --token, --token-hash');
  if (values.reason !== undefined && (values.reason.length < 1 || values.reason.length > 200)) {
    throw new CliUsageError('--reason must be 1 to 200 characters');
  }
  let target: RevokeTarget;
  if (values.user !== undefined) {
    if (!Sub.safeParse(values.user).success) throw new CliUsageError('--user must be a subject of 1 to 256 characters (e.g. auth0|alice)');
    target = { kind: 'user', sub: values.user };
  } else if (values.token !== undefined) {
    const token = values.token.replace(/^Bearer\s+/i, '').trim();
    if (token.split('.').length !== 3) throw new CliUsageError('--token must be a JWT (three dot-separated parts)');
    target = { kind: 'token', tokenHash: tokenHash(token) };
  } else {
    const hash = values['token-hash']!.toLowerCase();
    if (!/^[0-9a-f]{16}$/.test(hash)) throw new CliUsageError('--token-hash must be 16 hex digits (the hash the audit trail shows)');
    target = { kind: 'token', tokenHash: hash };
  }
  return { ...base, target, reason: values.reason };
}
