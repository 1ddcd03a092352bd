import type { RevocationRecord } from '@auth-bus/contracts';
import { APP_LOGGER, type AppLogger } from '@auth-bus/service-kit';
import { inspectJwt, RevocationIndex, tokenHash } from '@auth-bus/token-verifier';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BusService } from '../bus/bus.service';

/**
 * What a revocation is matched against: the reported token's short hash and its (unverified)
 * `sub` and `iat`. Unverified is enough here: a match only makes the relay tell that socket's own
 * frame to forget its session — it grants nothing, and the verifiers refuse revoked tokens anyway.
 */
export interface RevocationTarget {
  hash: string;
  sub: string;
  iat?: number;
}

/** The target of a JWT-shaped token; undefined when its payload names no `sub`. */
export function revocationTarget(token: string): RevocationTarget | undefined {
  try {
    const { payload } = inspectJwt(token);
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return undefined;
    return { hash: tokenHash(token), sub: payload.sub, iat: typeof payload.iat === 'number' ? payload.iat : undefined };
  } catch {
    return undefined;
  }
}

/**
 * The relay's view of the REVOCATIONS bucket (issue 21): token-verifier's RevocationIndex
 * following the bucket on every (re)connection of the relay's bus connection, read-only (NATS
 * user `host-relay` may read the bucket, never write it: infra/nats/nats.conf). FrameHandler
 * pushes each revocation that arrives to the sockets whose reported token it covers, and checks
 * a token when it is reported (a frame that was offline when its session was revoked learns it
 * when it reconnects and reports the session again).
 */
@Injectable()
export class RevocationWatch implements OnModuleInit, OnModuleDestroy {
  readonly index: RevocationIndex;
  private readonly listeners: Array<(record: RevocationRecord) => void> = [];

  constructor(
    private readonly bus: BusService,
    @Inject(APP_LOGGER) logger: AppLogger,
  ) {
    this.index = new RevocationIndex({ logger: logger.child({ context: 'revocations' }) });
    this.index.onRevocation = (record) => {
      for (const listener of this.listeners) listener(record);
    };
  }

  onModuleInit(): void {
    this.index.follow(this.bus);
  }

  /** Called with each revocation that arrives after the initial load. */
  onRevocation(listener: (record: RevocationRecord) => void): void {
    this.listeners.push(listener);
  }

  /** Whether a revocation known so far covers the target. */
  covers(target: RevocationTarget): boolean {
    return this.index.isRevoked(target.hash, target.sub, target.iat);
  }

  onModuleDestroy(): void {
    this.index.close();
  }
}
