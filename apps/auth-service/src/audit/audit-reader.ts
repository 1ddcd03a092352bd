import { AUDIT_STREAM, AuditEvent, auditSubject, auditSubjectCarries, decodeBody, type AuditKind } from '@auth-bus/contracts';
import type { JsMsg, NatsConnection, OrderedConsumerOptions } from 'nats';

/**
 * Reading the AUDIT stream back, shared by `audit.query` (as auth-service) and the audit
 * command (as the read-only `audit-reader` user). Both use ephemeral ordered consumers only
 * (no durable state, no acks), which is all the `audit-reader` permissions allow.
 */
export interface AuditFilter {
  /** Only events at or after this time. */
  since?: Date;
  sub?: string;
  kind?: AuditKind;
}

export interface ScanOptions {
  /** Keep only the newest `limit` matches (newest last). */
  limit?: number;
  /** Read at most this many stored messages (the newest ones). */
  scanMax?: number;
  timeoutMs?: number;
}

export interface ScanResult {
  events: AuditEvent[];
  totalInStream: number;
  /** Stream sequence of the last stored message when the scan began (0 when empty). */
  lastSeq: number;
  scanned: number;
  /** Stored messages that were not valid audit events (never expected; counted, not shown). */
  invalid: number;
  /** Older events exist that the scan did not read (scanMax or timeout). */
  truncated: boolean;
}

export class AuditStreamMissingError extends Error {
  constructor() {
    super(`The ${AUDIT_STREAM.name} stream does not exist (auth-service creates it when it starts)`);
    this.name = 'AuditStreamMissingError';
  }
}

export function isStreamNotFound(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: string } | undefined;
  return e?.api_error?.err_code === 10059 || /stream not found/i.test(e?.message ?? '');
}

export function matchesFilter(event: AuditEvent, filter: AuditFilter): boolean {
  if (filter.kind && event.kind !== filter.kind) return false;
  if (filter.sub && event.sub !== filter.sub) return false;
  if (filter.since && Date.parse(event.at) < filter.since.getTime()) return false;
  return true;
}

/**
 * The audit event in a stored message, or undefined if it is not one — including a well-formed
 * event on a subject that does not carry its kind (e.g. a `login.verified` that api-service's
 * credentials put on `audit.events.api.allowed`): each kind is read from its own subject only.
 */
export function parseAuditMessage(msg: Pick<JsMsg, 'data' | 'subject'>): AuditEvent | undefined {
  try {
    const parsed = AuditEvent.safeParse(decodeBody(msg.data));
    return parsed.success && auditSubjectCarries(msg.subject, parsed.data.kind) ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function streamState(nc: NatsConnection): Promise<{ messages: number; first_seq: number; last_seq: number }> {
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  try {
    return (await jsm.streams.info(AUDIT_STREAM.name)).state;
  } catch (err) {
    if (isStreamNotFound(err)) throw new AuditStreamMissingError();
    throw err;
  }
}

function baseOptions(filter: AuditFilter): Partial<OrderedConsumerOptions> {
  return filter.kind ? { filterSubjects: auditSubject(filter.kind) } : {};
}

/**
 * Matching events, newest last. Reads from `since` (or the start) to the end of the stream as it
 * was when the scan began, but never more than `scanMax` messages: if the range is larger, only
 * the newest `scanMax` are read and `truncated` is set.
 *
 * With a `limit` and no `since` (the newest few — what audit.query asks by default), the stream
 * is read backwards in growing windows from its end and the scan stops once `limit` matches are
 * in hand: the cost follows what is asked, not the size of the stream, and if the time runs out
 * the events found are still the newest ones.
 */
export async function scanAudit(nc: NatsConnection, filter: AuditFilter, options: ScanOptions = {}): Promise<ScanResult> {
  const { limit, scanMax = Number.MAX_SAFE_INTEGER, timeoutMs = 10_000 } = options;
  const state = await streamState(nc);
  const result: ScanResult = { events: [], totalInStream: state.messages, lastSeq: state.last_seq, scanned: 0, invalid: 0, truncated: false };
  if (state.messages === 0) return result;
  if (limit !== undefined && !filter.since) return scanNewest(nc, filter, state, result, limit, scanMax, timeoutMs);

  const js = nc.jetstream();
  const newestWindow = (): Partial<OrderedConsumerOptions> => ({
    ...baseOptions(filter),
    opt_start_seq: Math.max(state.first_seq, state.last_seq - scanMax + 1),
  });
  let opts: Partial<OrderedConsumerOptions> = filter.since
    ? { ...baseOptions(filter), opt_start_time: filter.since.toISOString() }
    : state.last_seq - state.first_seq + 1 > scanMax
      ? newestWindow()
      : baseOptions(filter);
  result.truncated = !filter.since && state.last_seq - state.first_seq + 1 > scanMax;

  let consumer = await js.consumers.get(AUDIT_STREAM.name, opts);
  let pending = (await consumer.info()).num_pending;
  if (filter.since && pending > scanMax) {
    await consumer.delete().catch(() => undefined);
    opts = newestWindow();
    consumer = await js.consumers.get(AUDIT_STREAM.name, opts);
    pending = (await consumer.info()).num_pending;
    result.truncated = true;
  }
  try {
    if (pending === 0) return result;
    const messages = await consumer.consume({ max_messages: Math.min(pending, 256) });
    const timer = setTimeout(() => {
      result.truncated = true;
      messages.stop();
    }, timeoutMs);
    try {
      for await (const msg of messages) {
        result.scanned++;
        const event = parseAuditMessage(msg);
        if (!event) result.invalid++;
        else if (matchesFilter(event, filter)) {
          result.events.push(event);
          if (limit !== undefined && result.events.length > limit) result.events.shift();
        }
        if (msg.info.pending === 0 || msg.seq >= state.last_seq || result.scanned >= scanMax) break;
      }
    } finally {
      clearTimeout(timer);
      messages.stop();
    }
    return result;
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

/** The newest `limit` matches: windows read backwards from the end, each twice the last. */
async function scanNewest(
  nc: NatsConnection,
  filter: AuditFilter,
  state: { first_seq: number; last_seq: number },
  result: ScanResult,
  limit: number,
  scanMax: number,
  timeoutMs: number,
): Promise<ScanResult> {
  const deadline = Date.now() + timeoutMs;
  const floor = Math.max(state.first_seq, state.last_seq - scanMax + 1);
  const chunks: AuditEvent[][] = [];
  let found = 0;
  let end = state.last_seq;
  let window = Math.max(256, limit * 4);
  while (end >= floor && found < limit) {
    const start = Math.max(floor, end - window + 1);
    const chunk: AuditEvent[] = [];
    const complete = await readRange(nc, filter, start, end, deadline, (msg) => {
      result.scanned++;
      const event = parseAuditMessage(msg);
      if (!event) result.invalid++;
      else if (matchesFilter(event, filter)) chunk.push(event);
    });
    chunks.push(chunk);
    found += chunk.length;
    if (!complete) {
      result.truncated = true;
      break;
    }
    end = start - 1;
    window *= 2;
  }
  if (found < limit && end >= state.first_seq && floor > state.first_seq) result.truncated = true;
  result.events = chunks.reverse().flat().slice(-limit);
  return result;
}

/**
 * Reads the stored messages with sequence `start`…`end` (those matching the kind filter) in
 * order; false if the deadline cut the read short.
 */
async function readRange(
  nc: NatsConnection,
  filter: AuditFilter,
  start: number,
  end: number,
  deadline: number,
  onMessage: (msg: JsMsg) => void,
): Promise<boolean> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return false;
  const consumer = await nc.jetstream().consumers.get(AUDIT_STREAM.name, { ...baseOptions(filter), opt_start_seq: start });
  try {
    const pending = (await consumer.info()).num_pending;
    if (pending === 0) return true;
    const messages = await consumer.consume({ max_messages: Math.min(pending, end - start + 1, 256) });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      messages.stop();
    }, remaining);
    try {
      for await (const msg of messages) {
        if (msg.seq > end) break;
        onMessage(msg);
        if (msg.info.pending === 0 || msg.seq >= end) break;
      }
    } finally {
      clearTimeout(timer);
      messages.stop();
    }
    return !timedOut;
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

/**
 * Calls `onEvent` for every matching event stored after `afterSeq`, as it arrives, until
 * `signal` aborts. Survives NATS restarts (the ordered consumer is recreated where it left off).
 */
export async function followAudit(
  nc: NatsConnection,
  filter: AuditFilter,
  afterSeq: number,
  onEvent: (event: AuditEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const consumer = await nc.jetstream().consumers.get(AUDIT_STREAM.name, { ...baseOptions(filter), opt_start_seq: afterSeq + 1 });
  const messages = await consumer.consume({ max_messages: 256 });
  const stop = () => messages.stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const msg of messages) {
      const event = parseAuditMessage(msg);
      if (event && matchesFilter(event, filter)) onEvent(event);
    }
  } finally {
    signal.removeEventListener('abort', stop);
    await consumer.delete().catch(() => undefined);
  }
}
