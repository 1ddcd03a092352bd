import { BusError, SUBJECTS } from '@auth-bus/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { BusService } from '../bus/bus.service';
import { RELAY_CONFIG, type RelayConfig } from '../config/relay.config';

export interface Readiness {
  ready: boolean;
  checks: {
    /** The relay's NATS connection is up. */
    nats: boolean;
    /** An api-service replica answered `api.ping`. */
    api: boolean;
    /** auth-service answered `auth.verify` (a request without a token must come back UNAUTHENTICATED). */
    auth: boolean;
  };
  checked_at: string;
}

/**
 * Readiness = NATS connected and the services answering. Probes are real bus requests with a
 * short deadline; a result is reused for RELAY_READY_CACHE_MS and concurrent probes share one
 * check, so that frequent `/readyz` calls cost the services next to nothing.
 */
@Injectable()
export class ReadinessService {
  private cached?: { at: number; value: Readiness };
  private inFlight?: Promise<Readiness>;

  constructor(
    private readonly bus: BusService,
    @Inject(RELAY_CONFIG) private readonly config: RelayConfig,
  ) {}

  check(): Promise<Readiness> {
    if (this.cached && Date.now() - this.cached.at < this.config.ready.cacheMs) return Promise.resolve(this.cached.value);
    this.inFlight ??= this.probe().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async probe(): Promise<Readiness> {
    const nats = this.bus.isConnected;
    const timeout = this.config.ready.timeoutMs;
    const [api, auth] = nats
      ? await Promise.all([
          this.bus.request(SUBJECTS.api.ping, {}, { timeout }).then(
            () => true,
            () => false,
          ),
          this.bus.request(SUBJECTS.auth.verify, { caller: 'host-relay:readyz' }, { timeout }).then(
            () => true,
            (err) => err instanceof BusError && err.code === 'UNAUTHENTICATED',
          ),
        ])
      : [false, false];
    const value: Readiness = { ready: nats && api && auth, checks: { nats, api, auth }, checked_at: new Date().toISOString() };
    this.cached = { at: Date.now(), value };
    return value;
  }
}
