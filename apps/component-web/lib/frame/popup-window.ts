import type { Clock } from './clock';

export interface WindowLike {
  closed: boolean;
  focus?: () => void;
}

export type OpenWindow = (url: string, name: string, features: string) => WindowLike | null;

/** How often the frame looks whether the user closed the popup by hand (UI only). */
const WATCH_MS = 500;

/**
 * The login/logout popup window: opens it (one named window, reused), and notices when the user
 * closes it by hand. The hand-off itself is a message (shared/popup-message.ts), never polled.
 */
export class PopupWindow {
  private popup: WindowLike | null = null;
  private watch: unknown = null;

  constructor(
    private readonly openWindow: OpenWindow,
    private readonly name: string,
    private readonly features: string,
    private readonly clock: Clock,
    private readonly onClosedByHand: () => void,
  ) {}

  /** Focuses the popup when it is still open; false when there is none. */
  focusOpen(): boolean {
    if (!this.popup || this.popup.closed) return false;
    this.popup.focus?.();
    return true;
  }

  /** Opens `url` in the popup; null when the browser blocked it. */
  open(url: string): WindowLike | null {
    let popup: WindowLike | null = null;
    try {
      popup = this.openWindow(url, this.name, this.features);
    } catch {
      popup = null;
    }
    if (!popup || popup.closed) return null;
    this.popup = popup;
    this.stopWatching();
    const check = () => {
      this.watch = null;
      if (this.popup !== popup) return;
      if (popup.closed) {
        this.popup = null;
        this.onClosedByHand();
        return;
      }
      this.watch = this.clock.setTimeout(check, WATCH_MS);
    };
    this.watch = this.clock.setTimeout(check, WATCH_MS);
    return popup;
  }

  dispose(): void {
    this.stopWatching();
  }

  private stopWatching(): void {
    if (this.watch) this.clock.clearTimeout(this.watch);
    this.watch = null;
  }
}
