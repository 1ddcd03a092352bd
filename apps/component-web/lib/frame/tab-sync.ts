import { ComponentSession } from '@auth-bus/contracts';
import { z } from 'zod';

/** The subset of BroadcastChannel the frame needs (a fake one in unit tests). */
export interface ChannelLike {
  onmessage: ((ev: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

/** The channel every frame of this origin in this browser (profile) shares. */
export const TAB_SYNC_CHANNEL = 'auth-bus/session';

/**
 * What one frame tells the others. A login carries the session (same-origin frames share
 * storage anyway, so this reveals nothing new to them); a logout says why.
 */
export const TabMessage = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(1), kind: z.literal('login'), session: ComponentSession }).strict(),
  z.object({ v: z.literal(1), kind: z.literal('logout'), cause: z.enum(['logout', 'revoked']) }).strict(),
]);
export type TabMessage = z.infer<typeof TabMessage>;

/**
 * Keeps the component frames of one browser in step (issue 21): logging in or out in one tab
 * reaches every other open tab of the app at once, with no new login there. BroadcastChannel
 * delivers only between same-origin documents of one browser profile, and never back to the
 * sender; messages that do not match the shape are dropped. Where the browser has no
 * BroadcastChannel (or refuses it), tabs simply stay independent.
 */
export class TabSync {
  private channel: ChannelLike | null;

  constructor(
    createChannel: ((name: string) => ChannelLike | null) | undefined,
    onMessage: (message: TabMessage) => void,
  ) {
    try {
      this.channel = createChannel?.(TAB_SYNC_CHANNEL) ?? null;
    } catch {
      this.channel = null;
    }
    if (this.channel) {
      this.channel.onmessage = (ev) => {
        const parsed = TabMessage.safeParse(ev.data);
        if (parsed.success) onMessage(parsed.data);
      };
    }
  }

  post(message: TabMessage): void {
    try {
      this.channel?.postMessage(message);
    } catch {
      // a closed channel (page going away): the other tabs learn it from the relay or at reload
    }
  }

  close(): void {
    if (!this.channel) return;
    this.channel.onmessage = null;
    this.channel.close();
    this.channel = null;
  }
}
