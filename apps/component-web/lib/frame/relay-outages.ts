import type { RelayState } from './relay';

/**
 * Tells the host once per outage of the relay connection (`RELAY_UNAVAILABLE`): the first time
 * it goes offline, again only after it was open in between, and afresh for a new relay or session.
 */
export class RelayOutages {
  private target: string | null = null;
  private wasOpen = false;
  private reported = false;

  constructor(private readonly report: (message: string) => void) {}

  /** The relay and session the frame connects to (null: none). */
  setTarget(relayUrl: string | null | undefined, sessionId: string | null | undefined): void {
    const target = relayUrl && sessionId ? `${relayUrl} ${sessionId}` : null;
    if (target === this.target) return;
    this.target = target;
    this.wasOpen = false;
    this.reported = false;
  }

  onState(state: RelayState): void {
    if (state === 'open') {
      this.wasOpen = true;
      this.reported = false;
    } else if (state === 'offline' && !this.reported) {
      this.reported = true;
      this.report(this.wasOpen ? 'Lost the connection to host-relay; reconnecting.' : 'Cannot reach host-relay; retrying.');
    }
  }
}
