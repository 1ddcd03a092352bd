import type { ClaimedUser } from '@auth-bus/contracts';
import type { z } from 'zod';
import { TokenBucket } from '../common/limits/token-bucket';
import type { RevocationTarget } from './revocation-watch.service';

/** What the relay needs of a WebSocket (the `ws` package's WebSocket has all of it). */
export interface FrameSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  pause(): void;
  resume(): void;
}

export const OPEN = 1;

/** The state the relay keeps for one component connection. The token lives only here, in memory. */
export class RelayConnection {
  /** Set by `hello`. */
  sessionId?: string;
  /** Set by `session.reported`, cleared by `session.ended`; attached to `useauth` requests. */
  token?: string;
  user?: z.infer<typeof ClaimedUser>;
  /** What a revocation of the reported token is matched against (issue 21); cleared with the token. */
  revocable?: RevocationTarget;
  /** Hash of session id + token of the reported session (SessionReportLimiter's key); no token in it. */
  reportKey?: string;
  /** Ids of web requests waiting on the bus. */
  readonly inFlight = new Set<string>();
  /** Answered the last heartbeat ping. */
  alive = true;
  /** Frames refused by the rate limit since the last accepted one. */
  refusedStreak = 0;
  lastLimitLog = 0;
  frames = 0;
  helloTimer?: NodeJS.Timeout;
  pauseTimer?: NodeJS.Timeout;
  closed = false;
  readonly openedAt = Date.now();

  constructor(
    readonly id: string,
    readonly socket: FrameSocket,
    readonly bucket: TokenBucket,
    readonly meta: { origin?: string; ip?: string },
  ) {}
}
