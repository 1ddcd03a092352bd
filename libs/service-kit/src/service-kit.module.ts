import { Inject, Module, type BeforeApplicationShutdown, type DynamicModule } from '@nestjs/common';
import { AuditPublisher, type AuditPublisherOptions } from './audit-publisher';
import { BusConnection } from './bus-connection';
import type { AppLogger } from './logger';

/** Who this process is and what it holds; made in main.ts, injected everywhere. */
export interface ServiceRuntime {
  service: string;
  instance: string;
  bus: BusConnection;
  logger: AppLogger;
}

export const SERVICE_RUNTIME = Symbol('SERVICE_RUNTIME');
export const APP_LOGGER = Symbol('APP_LOGGER');

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
    const left = await this.audit.flush(this.runtime.bus.isOnline ? this.timeoutMs : 0);
    if (left > 0) this.runtime.logger.warn({ left }, 'audit events not stored before shutdown');
  }
}

/**
 * Global module with the process's runtime: SERVICE_RUNTIME, APP_LOGGER, BusConnection and
 * AuditPublisher (flushed before the application shuts down).
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
        {
          provide: AuditPublisher,
          useFactory: () =>
            new AuditPublisher(runtime.bus, { service: runtime.service, instance: runtime.instance, logger: runtime.logger, ...audit }),
        },
        {
          provide: AuditFlushOnShutdown,
          useFactory: (publisher: AuditPublisher) => new AuditFlushOnShutdown(publisher, runtime, audit.flushTimeoutMs ?? 5_000),
          inject: [AuditPublisher],
        },
      ],
      exports: [SERVICE_RUNTIME, APP_LOGGER, BusConnection, AuditPublisher],
    };
  }
}
