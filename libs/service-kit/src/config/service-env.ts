import { envField } from './env-schema';

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
