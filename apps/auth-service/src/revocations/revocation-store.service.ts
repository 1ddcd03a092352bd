import type { RevocationRecord } from '@auth-bus/contracts';
import { APP_LOGGER, AUDIT_BUS, BusConnection, type AppLogger } from '@auth-bus/service-kit';
import { BusError } from '@auth-bus/contracts';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { KV } from 'nats';
import type { AuthServiceConfig } from '../config/auth-service.config';
import { AUTH_SERVICE_CONFIG } from '../config/config.token';
import { openRevocationBucket, putRevocation } from './revocation-bucket';

/**
 * Owns the REVOCATIONS bucket: on every (re)connection of the `audit-writer` connection (which
 * answers no request, so no reply can be bounced onto these JetStream rights) it makes sure the
 * bucket exists with AUTH_REVOCATION_TTL, retrying until JetStream answers; `put` stores one
 * revocation there.
 */
@Injectable()
export class RevocationStoreService implements OnApplicationBootstrap, OnApplicationShutdown {
  private kv?: KV;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(AUDIT_BUS) private readonly bus: BusConnection,
    @Inject(AUTH_SERVICE_CONFIG) private readonly config: AuthServiceConfig,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.onConnect(() => {
      void this.ensureWithRetry();
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  async put(record: RevocationRecord): Promise<void> {
    if (!this.kv) throw BusError.unavailable('The revocation list is not available yet; try again shortly');
    try {
      await putRevocation(this.kv, record);
    } catch (err) {
      this.logger.error({ error: (err as Error).message }, 'revocation not stored');
      throw BusError.unavailable('The revocation could not be stored; try again');
    }
  }

  private ensureWithRetry(): Promise<void> {
    return (this.running ??= (async () => {
      for (let attempt = 1; !this.stopped; attempt++) {
        const nc = this.bus.connection;
        try {
          if (!nc) throw new Error('not connected');
          this.kv = await openRevocationBucket(nc, this.config.revocationTtlMs);
          this.logger.info({ ttlMs: this.config.revocationTtlMs }, 'revocation bucket ready');
          return;
        } catch (err) {
          this.logger.warn({ attempt, error: (err as Error).message }, 'revocation bucket not ready; retrying');
          await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** Math.min(attempt, 5), 5_000)));
        }
      }
    })().finally(() => (this.running = undefined)));
  }
}
