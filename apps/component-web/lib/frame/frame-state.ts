import type { ComponentSession } from '@auth-bus/contracts';
import type { FrameArgs } from './args';
import type { RelayState } from './relay';

/** What the bar shows (`app/streamlit/frame.tsx` renders it; the countdown derives from `session`). */
export interface FrameState {
  /** First render received and storage read. */
  ready: boolean;
  session: ComponentSession | null;
  busy: 'login' | 'logout' | 'refresh' | null;
  expired: boolean;
  notice: Notice | null;
  relay: RelayState;
  relayRetryInMs?: number;
  args: FrameArgs;
  pendingActions: string[];
  lastAction: ActionOutcome | null;
}

export interface Notice {
  kind: 'info' | 'error';
  text: string;
  link?: { href: string; label: string };
}

export interface ActionOutcome {
  id: string;
  label?: string;
  ok: boolean;
  status: number;
  summary: string;
}

export const EXPIRED_NOTICE: Notice = { kind: 'error', text: 'Session expired — log in again' };

/** Shown when the session was revoked (log out everywhere, or an administrator). */
export const REVOKED_NOTICE: Notice = { kind: 'error', text: 'This session was revoked — log in again' };

/** The UI state and its listeners; every update makes a new state object (React compares by identity). */
export class FrameStateStore {
  private listeners = new Set<(state: FrameState) => void>();

  constructor(public state: FrameState) {}

  subscribe(listener: (state: FrameState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  update(patch: Partial<FrameState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener(this.state);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
