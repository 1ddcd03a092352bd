import { Inject, Module, type BeforeApplicationShutdown, type DynamicModule } from '@nestjs/common';
import { AuditPublisher, type AuditPublisherOptions } from './audit-publisher';
import { BusConnection } from './bus-connection';
import type { AppLogger } from './logger';

/** Who this process is and what it holds; made in main.ts, injected everywhere. */
export interface ServiceRuntime {
  service: string;
  instance: string;
  bus: BusConnection;
  /**
   * The connection audit events and the AUDIT stream go through: `bus` itself, or a second
   * connection as a NATS user that answers no request (auth-service's `audit-writer`), so that
   * no reply can be bounced onto its JetStream rights.
   */
  auditBus: BusConnection;
  logger: AppLogger;
}

export const SERVICE_RUNTIME = Symbol('SERVICE_RUNTIME');
export const APP_LOGGER = Symbol('APP_LOGGER');
/** Injection token of `ServiceRuntime.auditBus` (a BusConnection). */
export const AUDIT_BUS = Symbol('AUDIT_BUS');

export type AuditSettings = Pick<AuditPublisherOptions, 'maxPending' | 'maxInFlight' | 'ackTimeoutMs' | 'coalesceWindowMs'> & {
  /** How long shutdown waits for queued audit events to be stored (ms). */
  flushTimeoutMs?: number;
};

class AuditFlushOnShutdown implements BeforeApplicationShutdown {
  constructor(
    @Inject(AuditPublisher) private readonly audit: AuditPublisher,
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly timeoutMs: number,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    // With NATS away nothing can be stored; do not hold the shutdown for it.
    const left = await this.audit.flush(this.runtime.auditBus.isOnline ? this.timeoutMs : 0);
    if (left > 0) this.runtime.logger.warn({ left }, 'audit events not stored before shutdown');
  }
}

/**
 * Global module with the process's runtime: SERVICE_RUNTIME, APP_LOGGER, BusConnection, AUDIT_BUS
 * and AuditPublisher (on AUDIT_BUS; flushed before the application shuts down).
 */
@Module({})
export class ServiceKitModule {
  static forRoot(runtime: ServiceRuntime, audit: AuditSettings = {}): DynamicModule {
    return {
      module: ServiceKitModule,
      global: true,
      providers: [
        { provide: SERVICE_RUNTIME, useValue: runtime },
        { provide: APP_LOGGER, useValue: runtime.logger },
        { provide: BusConnection, useValue: runtime.bus },
        { provide: AUDIT_BUS, useValue: runtime.auditBus },
        {
          provide: AuditPublisher,
          useFactory: () =>
            new AuditPublisher(runtime.auditBus, { service: runtime.service, instance: runtime.instance, logger: runtime.logger, ...audit }),
        },
        {
          provide: AuditFlushOnShutdown,
          useFactory: (publisher: AuditPublisher) => new AuditFlushOnShutdown(publisher, runtime, audit.flushTimeoutMs ?? 5_000),
          inject: [AuditPublisher],
        },
      ],
      exports: [SERVICE_RUNTIME, APP_LOGGER, BusConnection, AUDIT_BUS, AuditPublisher],
    };
  }
}
