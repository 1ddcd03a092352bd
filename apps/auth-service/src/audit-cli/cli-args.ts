import { AUDIT_KINDS, type AuditKind } from '@auth-bus/contracts';
import { DEV_NATS_PASSWORDS, envString, parseDuration, type Env } from '@auth-bus/service-kit/config';
import { cliServers, CliUsageError, parseCliFlags } from '../common/cli-runner';

export const USAGE = `Usage: npm run audit -- [options]

Lists the audit trail (JetStream stream AUDIT), oldest first, as a table or JSON lines.

  --since <when>   only events at or after: a duration back from now (30s, 10m, 2h, 7d)
                   or an ISO time (2026-01-31T08:00:00Z)
  --user <sub>     only events of this subject (e.g. auth0|alice)
  --kind <kind>    only this kind: ${AUDIT_KINDS.join(', ')}
  --limit <n>      only the newest n matching events
  --follow, -f     keep printing new events as they are stored (Ctrl-C to stop)
  --json           one JSON object per line instead of a table
  --server <url>   NATS server(s), comma-separated (default $NATS_URL or nats://127.0.0.1:4222)
  --help, -h       this text

Connects as the read-only NATS user audit-reader (AUDIT_NATS_USER / AUDIT_NATS_PASSWORD,
default password $NATS_AUDIT_READER_PASSWORD or the development one).`;

export interface AuditCliOptions {
  since?: Date;
  user?: string;
  kind?: AuditKind;
  limit?: number;
  follow: boolean;
  json: boolean;
  servers: string[];
  natsUser: string;
  natsPassword: string;
  help: boolean;
}

function parseSince(text: string, now: number): Date {
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/i.test(text.trim())) return new Date(now - parseDuration(text));
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new CliUsageError(`--since: "${text}" is neither a duration (10m, 2h) nor a time (2026-01-31T08:00:00Z)`);
  return new Date(at);
}

export function parseAuditCliArgs(argv: string[], env: Env = process.env, now = Date.now()): AuditCliOptions {
  const values = parseCliFlags(argv, {
    since: { type: 'string' },
    user: { type: 'string' },
    kind: { type: 'string' },
    limit: { type: 'string' },
    follow: { type: 'boolean', short: 'f', default: false },
    json: { type: 'boolean', default: false },
  });
  if (values.kind !== undefined && !(AUDIT_KINDS as readonly string[]).includes(values.kind)) {
    throw new CliUsageError(`--kind must be one of ${AUDIT_KINDS.join(', ')} (got "${values.kind}")`);
  }
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new CliUsageError(`--limit must be a positive integer (got "${values.limit}")`);
  }
  const natsUser = envString(env, 'AUDIT_NATS_USER', 'audit-reader');
  return {
    since: values.since !== undefined ? parseSince(values.since, now) : undefined,
    user: values.user,
    kind: values.kind as AuditKind | undefined,
    limit,
    follow: values.follow ?? false,
    json: values.json ?? false,
    servers: cliServers(values.server, env),
    natsUser,
    natsPassword: envString(env, 'AUDIT_NATS_PASSWORD', envString(env, 'NATS_AUDIT_READER_PASSWORD', DEV_NATS_PASSWORDS[natsUser] ?? '')),
    help: values.help ?? false,
  };
}
