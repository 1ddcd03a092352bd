import { AUDIT_STREAM } from '@auth-bus/contracts';
import { APP_LOGGER, AUDIT_BUS, BusConnection, type AppLogger } from '@auth-bus/service-kit';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type StreamConfig } from 'nats';
import { AUTH_SERVICE_CONFIG } from '../config/config.token';
import type { AuthServiceConfig } from '../config/auth-service.config';
import { isStreamNotFound } from './audit-reader';

/** Largest audit event accepted by the stream (an event is a few hundred bytes). */
const MAX_EVENT_BYTES = 16 * 1024;

/**
 * Owns the AUDIT stream: on the first connection, and again after every reconnect (NATS may
 * have come back with an empty store), makes sure it exists with the configured limits —
 * created if missing, limits updated if they changed — retrying until JetStream answers.
 */
@Injectable()
export class AuditStreamService implements OnApplicationBootstrap, OnApplicationShutdown {
  private running?: Promise<void>;
  private stopped = false;
  private ensuredOnce = false;

  constructor(
    /** The `audit-writer` connection: the AUDIT stream is managed and read there, never as a responder. */
    @Inject(AUDIT_BUS) private readonly bus: BusConnection,
    @Inject(AUTH_SERVICE_CONFIG) private readonly config: AuthServiceConfig,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  /** Whether the stream has been seen to exist with our limits since start. */
  get ready(): boolean {
    return this.ensuredOnce;
  }

  onApplicationBootstrap(): void {
    this.bus.onConnect(() => {
      void this.ensureWithRetry();
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  desiredConfig(): Partial<StreamConfig> & { name: string } {
    const { stream } = this.config;
    return {
      name: AUDIT_STREAM.name,
      description: 'Audit trail of auth events: login.verified, login.rejected, logout, api.allowed, api.denied',
      subjects: [...AUDIT_STREAM.subjects],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(stream.maxAgeMs),
      max_bytes: stream.maxBytes,
      // One subject per kind: refusals an attacker can produce evict only older refusals.
      max_msgs_per_subject: stream.maxEventsPerKind,
      max_msg_size: MAX_EVENT_BYTES,
      duplicate_window: nanos(stream.duplicateWindowMs),
      num_replicas: stream.replicas,
    };
  }

  /** Creates or updates the stream once; says what it did. */
  async ensure(): Promise<'created' | 'updated' | 'unchanged'> {
    const jsm = await this.bus.jetstreamManager();
    const desired = this.desiredConfig();
    try {
      const { config } = await jsm.streams.info(desired.name);
      const limits = ['subjects', 'max_age', 'max_bytes', 'max_msgs_per_subject', 'max_msg_size', 'duplicate_window', 'discard', 'description'] as const;
      const changed = limits.filter((key) => JSON.stringify(config[key]) !== JSON.stringify(desired[key]));
      if (changed.length === 0) return 'unchanged';
      const update: Record<string, unknown> = {};
      for (const key of changed) update[key] = desired[key];
      await jsm.streams.update(desired.name, update);
      this.logger.info({ stream: desired.name, changed }, 'audit stream limits updated');
      return 'updated';
    } catch (err) {
      if (!isStreamNotFound(err)) throw err;
      await jsm.streams.add(desired);
      this.logger.info({ stream: desired.name, maxAgeMs: this.config.stream.maxAgeMs, maxBytes: this.config.stream.maxBytes }, 'audit stream created');
      return 'created';
    }
  }

  private ensureWithRetry(): Promise<void> {
    return (this.running ??= (async () => {
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          await this.ensure();
          this.ensuredOnce = true;
          return;
        } catch (err) {
          this.logger.warn({ attempt, error: (err as Error).message }, 'audit stream not ready; retrying');
          await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** Math.min(attempt, 5), 5_000)));
        }
      }
    })().finally(() => (this.running = undefined)));
  }
}
