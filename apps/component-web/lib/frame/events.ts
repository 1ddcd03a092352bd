import { ComponentEventValue } from '@auth-bus/contracts';
import type { EventName } from './args';

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
}
