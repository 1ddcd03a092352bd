import type { ComponentSession } from '@auth-bus/contracts';
import type { Clock } from './clock';
import { refreshDelayMs } from './format';

/** A refresh that failed on the network is retried this often while the token is still valid. */
export const REFRESH_RETRY_MS = 5_000;

/** The one pending silent refresh: at 20 % of the token's remaining life (format.ts), or a retry. */
export class RefreshTimer {
  private timer: unknown = null;

  constructor(
    private readonly clock: Clock,
    private readonly refresh: () => void,
  ) {}

  schedule(session: ComponentSession, delayMs?: number): void {
    this.cancel();
    const delay = delayMs ?? refreshDelayMs(session.token.expiry, this.clock.now());
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = null;
        this.refresh();
      },
      Math.min(delay, 2 ** 31 - 1),
    );
  }

  /** After a failed attempt: retries while `session` is valid long enough; false when it is not. */
  retry(session: ComponentSession): boolean {
    if (session.token.expiry * 1000 - this.clock.now() <= REFRESH_RETRY_MS) return false;
    this.schedule(session, REFRESH_RETRY_MS);
    return true;
  }

  cancel(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
