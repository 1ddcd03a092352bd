import { BusError } from '@auth-bus/contracts';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { RELAY_CONFIG, type RelayConfig } from '../../config/relay.config';
import { KeyedTokenBuckets } from '../limits/token-bucket';

/**
 * Requests per second per client IP on the HTTP gateway (token bucket): one noisy client gets
 * 429 RATE_LIMITED while others keep being served. `RELAY_HTTP_RATE_PER_SEC=0` turns it off.
 */
@Injectable()
export class HttpRateLimitGuard implements CanActivate {
  private readonly buckets?: KeyedTokenBuckets;

  constructor(@Inject(RELAY_CONFIG) config: RelayConfig) {
    if (config.http.ratePerSec > 0) this.buckets = new KeyedTokenBuckets(config.http.ratePerSec, config.http.burst);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.buckets) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const key = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    if (this.buckets.tryTake(key)) return true;
    throw new BusError('RATE_LIMITED', 'Too many requests from this client; slow down');
  }
}
