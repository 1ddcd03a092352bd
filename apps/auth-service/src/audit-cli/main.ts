import { AuditStreamMissingError, followAudit, scanAudit, type AuditFilter } from '../audit/audit-reader';
import { parseAuditCliArgs, USAGE } from './cli-args';
import { jsonLine, tableHeader, tableRow } from './format';
import { connectCli } from '../common/cli-connection';
import { readCommandLine, runCliMain, type CliLine } from '../common/cli-runner';

/**
 * The audit command: `npm run audit -- [--since 10m] [--user SUB] [--kind KIND] [--follow] [--json]`.
 * Reads the AUDIT stream as the read-only `audit-reader` NATS user with ordered consumers.
 */
export async function runAuditCli(argv: string[], out: CliLine, err: CliLine): Promise<number> {
  const options = readCommandLine('audit', USAGE, () => parseAuditCliArgs(argv), { out, err });
  if (typeof options === 'number') return options;

  const nc = await connectCli('audit', options, err, { follow: options.follow });
  if (!nc) return 1;

  const filter: AuditFilter = { since: options.since, sub: options.user, kind: options.kind };
  const print = (event: Parameters<typeof jsonLine>[0]) => out(options.json ? jsonLine(event) : tableRow(event));
  try {
    const result = await scanAudit(nc, filter, { limit: options.limit, timeoutMs: 60_000 });
    if (!options.json) out(tableHeader());
    for (const event of result.events) print(event);
    if (!options.json) {
      err(`${result.events.length} event(s) shown, ${result.totalInStream} in the stream${result.truncated ? ' (the scan stopped early)' : ''}`);
    }
    if (options.follow) {
      if (!options.json) err('following new events (Ctrl-C to stop) …');
      const abort = new AbortController();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());
      await followAudit(nc, filter, result.lastSeq, print, abort.signal);
    }
    return 0;
  } catch (e) {
    if (e instanceof AuditStreamMissingError) {
      err(`audit: ${e.message}`);
      return 1;
    }
    err(`audit: ${(e as Error).message}`);
    return 1;
  } finally {
    await nc.close().catch(() => undefined);
  }
}

if (require.main === module) runCliMain('audit', runAuditCli, 'stack');
