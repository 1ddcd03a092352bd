import { BusError, type AuditQueryReply, type AuditQueryRequest } from '@auth-bus/contracts';
import { APP_LOGGER, AUDIT_BUS, BusConnection, type AppLogger } from '@auth-bus/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { AuthServiceConfig } from '../config/auth-service.config';
import { AUTH_SERVICE_CONFIG } from '../config/config.token';
import { AuditStreamMissingError, scanAudit } from './audit-reader';

export const DEFAULT_QUERY_LIMIT = 100;

@Injectable()
export class AuditQueryService {
  constructor(
    /** The `audit-writer` connection: the AUDIT stream is managed and read there, never as a responder. */
    @Inject(AUDIT_BUS) private readonly bus: BusConnection,
    @Inject(AUTH_SERVICE_CONFIG) private readonly config: AuthServiceConfig,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  /** The newest matching events (newest last) and how many events the stream holds. */
  async query(request: AuditQueryRequest): Promise<AuditQueryReply> {
    const nc = this.bus.connection;
    if (!nc || !this.bus.isConnected) throw BusError.unavailable('auth-service is not connected to NATS');
    try {
      const result = await scanAudit(
        nc,
        { since: request.since ? new Date(request.since) : undefined, sub: request.sub, kind: request.kind },
        { limit: request.limit ?? DEFAULT_QUERY_LIMIT, scanMax: this.config.query.scanMax, timeoutMs: this.config.query.timeoutMs },
      );
      if (result.invalid > 0) this.logger.warn({ invalid: result.invalid }, 'audit stream holds messages that are not audit events');
      return { events: result.events, total_in_stream: result.totalInStream };
    } catch (err) {
      if (err instanceof AuditStreamMissingError) return { events: [], total_in_stream: 0 };
      this.logger.error({ error: (err as Error).message }, 'audit query failed');
      throw BusError.unavailable('The audit stream could not be read');
    }
  }
}
