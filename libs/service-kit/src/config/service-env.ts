import type { z } from 'zod';
import { envField, readEnv } from './env-schema';
import type { AuditSettings } from '../service-kit.module';
import type { Env } from './env';
import type { NatsConfig } from './nats-config';

/**
 * The variables every bus service (auth-service, api-service) reads the same way, for
 * `readEnv(service, { ...serviceEnv(service), …its own })`:
 *   INSTANCE_ID          replica id (letters, digits, . _ -)        <service>-<6 random hex>
 *   LOG_LEVEL            fatal | error | warn | info | debug | trace | silent   info
 *   AUDIT_MAX_PENDING    audit events queued while NATS/the stream is away      10000
 *   AUDIT_MAX_IN_FLIGHT  audit publishes awaiting an ack                       256
 *   AUDIT_ACK_TIMEOUT    wait for one ack before retrying                      5s
 *   AUDIT_FLUSH_TIMEOUT  wait for queued audit events at shutdown              5s
 *   DRAIN_TIMEOUT        wait for in-flight requests on SIGTERM                10s
 */
export function serviceEnv(service: string) {
  return {
    INSTANCE_ID: envField.instanceId(service),
    LOG_LEVEL: envField.logLevel(),
    AUDIT_MAX_PENDING: envField.int(10_000, { min: 1 }),
    AUDIT_MAX_IN_FLIGHT: envField.int(256, { min: 1 }),
    AUDIT_ACK_TIMEOUT: envField.duration(5_000),
    AUDIT_FLUSH_TIMEOUT: envField.duration(5_000),
    DRAIN_TIMEOUT: envField.duration(10_000),
  };
}

/** What `serviceEnv` reads, as the settings of a service's configuration. */
export interface ServiceSettings {
  instance: string;
  logLevel: string;
  audit: { maxPending: number; maxInFlight: number; ackTimeoutMs: number; flushTimeoutMs: number };
  drainTimeoutMs: number;
}

/** What every bus service's configuration holds: its name, the common settings (audit with its own extras), its NATS connection. */
export interface BusServiceSettings<Name extends string> extends Omit<ServiceSettings, 'audit'> {
  service: Name;
  nats: NatsConfig;
  audit: AuditSettings;
}

/** Reads `serviceEnv(service)` plus a service's own `extra` variables (every bad value named at once). */
export function readServiceEnv<S extends z.ZodRawShape>(service: string, extra: S, env: Env): { settings: ServiceSettings; e: z.output<z.ZodObject<S>> } {
  type Common = z.output<z.ZodObject<ReturnType<typeof serviceEnv>>>;
  const all = readEnv(service, { ...serviceEnv(service), ...extra }, env) as unknown as Common & z.output<z.ZodObject<S>>;
  const settings: ServiceSettings = {
    instance: all.INSTANCE_ID,
    logLevel: all.LOG_LEVEL,
    audit: {
      maxPending: all.AUDIT_MAX_PENDING,
      maxInFlight: all.AUDIT_MAX_IN_FLIGHT,
      ackTimeoutMs: all.AUDIT_ACK_TIMEOUT,
      flushTimeoutMs: all.AUDIT_FLUSH_TIMEOUT,
    },
    drainTimeoutMs: all.DRAIN_TIMEOUT,
  };
  return { settings, e: all };
}
