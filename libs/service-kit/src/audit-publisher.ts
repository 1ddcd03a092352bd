import { AuditEvent, auditSubject, encodeBody, type AuditKind } from '@auth-bus/contracts';
import { randomUUID } from 'node:crypto';
import type { BusConnection } from './bus-connection';
import type { AppLogger } from './logger';

/** What a caller supplies; id, time, service and instance are filled in. */
export type AuditInput = {
  kind: AuditKind;
  id?: string;
  at?: string;
  sub?: string;
  session_id?: string;
  token_hash?: string;
  reason?: string;
  subject?: string;
};

export interface AuditPublisherOptions {
  service: string;
  instance: string;
  logger: AppLogger;
  /** Events waiting to be stored, at most (the oldest are dropped beyond, and counted). */
  maxPending?: number;
  /** JetStream publishes awaiting their ack, at most. */
  maxInFlight?: number;
  /** How long to wait for one ack before retrying (ms). */
  ackTimeoutMs?: number;
}

export interface AuditPublisherStats {
  published: number;
  duplicates: number;
  retries: number;
  dropped: number;
  invalid: number;
  pending: number;
  inFlight: number;
}

interface Item {
  id: string;
  subject: string;
  data: Uint8Array;
  attempts: number;
}

/**
 * Writes audit events to the JetStream stream without slowing whoever reports them:
 * `publish()` validates the event against the contract's strict AuditEvent schema (so no token
 * can ride along — only `token_hash`), queues it and returns at once. A pump publishes with
 * `Nats-Msg-Id` = event id and a bounded number of acks outstanding; a failed or unacknowledged
 * publish is retried with the same id (JetStream drops the duplicate if the first one did land),
 * with backoff while the stream or NATS is unavailable. The queue is bounded: beyond it the
 * oldest events are dropped and counted. `flush()` waits for the queue to empty (shutdown).
 */
export class AuditPublisher {
  private readonly queue: Item[] = [];
  private inFlight = 0;
  private pausedUntil = 0;
  private resumeTimer?: NodeJS.Timeout;
  private lastWarning = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly counters = { published: 0, duplicates: 0, retries: 0, dropped: 0, invalid: 0 };
  private readonly maxPending: number;
  private readonly maxInFlight: number;
  private readonly ackTimeoutMs: number;

  constructor(
    private readonly bus: BusConnection,
    private readonly options: AuditPublisherOptions,
  ) {
    this.maxPending = options.maxPending ?? 10_000;
    this.maxInFlight = options.maxInFlight ?? 128;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
    bus.onConnect(() => {
      this.pausedUntil = 0;
      this.pump();
    });
  }

  get stats(): AuditPublisherStats {
    return { ...this.counters, pending: this.queue.length, inFlight: this.inFlight };
  }

  /** Queues one event; returns its id, or undefined if it was refused as invalid. Never throws. */
  publish(input: AuditInput): string | undefined {
    const candidate = {
      id: input.id ?? randomUUID(),
      at: input.at ?? new Date().toISOString(),
      kind: input.kind,
      sub: input.sub,
      session_id: input.session_id,
      token_hash: input.token_hash,
      reason: input.reason,
      subject: input.subject,
      service: this.options.service,
      instance: this.options.instance,
    };
    const parsed = AuditEvent.safeParse(candidate);
    if (!parsed.success) {
      this.counters.invalid++;
      const where = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`).join('; ');
      this.options.logger.warn({ kind: input.kind, problem: where }, 'invalid audit event dropped');
      return undefined;
    }
    const event = parsed.data;
    this.queue.push({ id: event.id, subject: auditSubject(event.kind), data: encodeBody(event), attempts: 0 });
    if (this.queue.length > this.maxPending) {
      this.queue.shift();
      this.counters.dropped++;
      this.warn('audit queue full; oldest event dropped', { pending: this.queue.length });
    }
    this.pump();
    return event.id;
  }

  /** Resolves once every queued event is stored, or after `timeoutMs`; returns what is left. */
  async flush(timeoutMs = 5_000): Promise<number> {
    this.pump();
    if (this.isIdle()) return 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.idleWaiters.push(done);
    });
    return this.queue.length + this.inFlight;
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  private pump(): void {
    const js = this.bus.jetstream();
    if (!js || !this.bus.isConnected) return;
    const now = Date.now();
    if (now < this.pausedUntil) {
      this.resumeTimer ??= setTimeout(() => {
        this.resumeTimer = undefined;
        this.pump();
      }, this.pausedUntil - now);
      return;
    }
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const item = this.queue.shift()!;
      this.inFlight++;
      js.publish(item.subject, item.data, { msgID: item.id, timeout: this.ackTimeoutMs }).then(
        (ack) => {
          this.counters.published++;
          if (ack.duplicate) this.counters.duplicates++;
          this.settle();
        },
        (err: Error) => {
          item.attempts++;
          this.counters.retries++;
          this.queue.unshift(item);
          const backoff = Math.min(100 * 2 ** Math.min(item.attempts, 6), 5_000);
          this.pausedUntil = Math.max(this.pausedUntil, Date.now() + backoff);
          this.warn('audit publish failed; will retry', { error: err.message, attempts: item.attempts });
          this.settle();
        },
      );
    }
  }

  private settle(): void {
    this.inFlight--;
    this.pump();
    if (this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private warn(message: string, fields: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.lastWarning < 5_000) return;
    this.lastWarning = now;
    this.options.logger.warn({ ...fields, ...this.stats }, message);
  }
}
