import { BusError } from '@auth-bus/contracts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** One request as a client saw it. */
export interface Outcome {
  client: string;
  /** When it was sent: epoch ms (the same clock in every process, Python included). */
  startedAt: number;
  durationMs: number;
  ok: boolean;
  /** The typed error code, or `UNTYPED:<message>` for anything that is not a BusError. */
  code?: string;
  /** The deadline the request was given (ms). */
  deadlineMs: number;
  instance?: string;
}

/** Epoch ms with sub-ms precision (comparable with the Python driver's time.time()). */
export const now = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function codeOf(err: unknown): string {
  if (err instanceof BusError) return err.code;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : `UNTYPED:${String((err as Error)?.message ?? err).slice(0, 120)}`;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** failed/total, codes and latency figures of a set of outcomes. */
export function tally(outcomes: Outcome[]): { total: number; ok: number; failed: number; codes: Record<string, number>; p50: number; p99: number; max: number } {
  const codes: Record<string, number> = {};
  for (const o of outcomes) if (!o.ok) codes[o.code ?? '?'] = (codes[o.code ?? '?'] ?? 0) + 1;
  const durations = outcomes.map((o) => o.durationMs);
  const ok = outcomes.filter((o) => o.ok).length;
  return {
    total: outcomes.length,
    ok,
    failed: outcomes.length - ok,
    codes,
    p50: round(percentile(durations, 50)),
    p99: round(percentile(durations, 99)),
    max: round(durations.length ? Math.max(...durations) : NaN),
  };
}

/**
 * Time from `from` (ms, run clock) to the first success of each client that started at or after
 * it — how long a client took to get through again after a fault.
 */
export function recoveryMs(outcomes: Outcome[], from: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const client of new Set(outcomes.map((o) => o.client))) {
    const first = outcomes.filter((o) => o.client === client && o.ok && o.startedAt >= from).sort((a, b) => a.startedAt - b.startedAt)[0];
    out[client] = first ? round(first.startedAt + first.durationMs - from) : null;
  }
  return out;
}

const REPORT_DIR = join(__dirname, '..', '..', 'reports');

/**
 * Prints a one-line report and keeps it as `faults/reports/<name>.json` (git-ignored), so the
 * figures of the last run are at hand for the README and the closing note.
 */
export function report(name: string, data: Record<string, unknown>): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(join(REPORT_DIR, `${name}.json`), `${JSON.stringify({ at: new Date().toISOString(), ...data }, null, 2)}\n`);
  console.log(`[faults report] ${name}: ${JSON.stringify(data)}`);
}

/** Resident set size of a process in bytes (Linux /proc), or undefined if it is gone. */
export function rssBytes(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export const MiB = 1024 * 1024;

const stepStart = Date.now();
/** Progress lines on stderr with FAULTS_VERBOSE=1 (where a long suite is, and since when). */
export function step(what: string): void {
  if (process.env.FAULTS_VERBOSE) process.stderr.write(`[faults +${((Date.now() - stepStart) / 1000).toFixed(1)}s] ${what}\n`);
}

/** When a nats.js connection saw its last disconnect and reconnect (epoch ms, run clock). */
export function watchConnection(nc: import('nats').NatsConnection): { disconnects: number[]; reconnects: number[] } {
  const seen = { disconnects: [] as number[], reconnects: [] as number[] };
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') seen.disconnects.push(now());
      else if (s.type === 'reconnect') seen.reconnects.push(now());
    }
  })().catch(() => undefined);
  return seen;
}
