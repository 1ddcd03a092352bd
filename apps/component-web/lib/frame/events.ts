import { ComponentEventValue, type ComponentSession } from '@auth-bus/contracts';
import type { EventName, hostView } from './args';

export type StatusCause = 'login' | 'logout' | 'refresh' | 'mount' | 'expired' | 'revoked';

/**
 * Sends `{name, data, seq}` to the Streamlit host with `Streamlit.setComponentValue`, but only
 * for names in the host's allowed `events` list; every value is checked against the contract.
 * `seq` strictly increases (it starts from the mount time in ms), so a repeated event still
 * changes the component value — and a remounted frame never reuses an earlier number.
 */
export class EventSender {
  private allowed = new Set<EventName>();
  private seq: number;
  /** Names that were suppressed because the host did not allow them (for the UI/tests). */
  readonly suppressed: EventName[] = [];

  constructor(
    private readonly setComponentValue: (value: ComponentEventValue) => void,
    seqBase: number = Date.now(),
  ) {
    this.seq = Math.max(0, Math.floor(seqBase));
  }

  setAllowed(names: readonly EventName[]): void {
    this.allowed = new Set(names);
  }

  isAllowed(name: EventName): boolean {
    return this.allowed.has(name);
  }

  /** Returns true when the event was sent. */
  emit(name: EventName, data: unknown): boolean {
    if (!this.allowed.has(name)) {
      this.suppressed.push(name);
      return false;
    }
    const parsed = ComponentEventValue.safeParse({ name, data, seq: this.seq + 1 });
    if (!parsed.success) {
      console.warn(`[component] dropped an invalid ${name} event`);
      return false;
    }
    this.seq += 1;
    this.setComponentValue(parsed.data);
    return true;
  }

  /** `onStatusUpdate`: the session (or `null`s) and why. */
  status(session: ComponentSession | null, cause: StatusCause): boolean {
    return this.emit('onStatusUpdate', { user: session?.user ?? null, token: session?.token ?? null, cause });
  }

  /** `onError`: a code and a short message. */
  error(code: string, message: string): boolean {
    return this.emit('onError', { code, message: message.slice(0, 500) });
  }
}

/**
 * At mount the host hears of the session only when what it believes (`initial_state`) differs
 * from what the frame has: the frame has a session the host does not know, or the host believes
 * in one the frame no longer has. Null: nothing to say.
 */
export function mountStatusCause(session: ComponentSession | null, host: ReturnType<typeof hostView>, expiredOnLoad: boolean): StatusCause | null {
  if (session) return !host.loggedIn || (host.tokenValue !== undefined && host.tokenValue !== session.token.value) ? 'mount' : null;
  if (host.loggedIn) return expiredOnLoad ? 'expired' : 'mount';
  return null;
}
