import { ServerNats, type NatsContext } from '@nestjs/microservices';
import type { Msg, NatsConnection, Subscription } from 'nats';
import type { BusConnection } from './bus-connection';
import { natsInboxPrefix, SERVICE_REQUESTERS } from './config/nats-config';
import { InflightTracker } from './inflight-tracker';
import type { AppLogger } from './logger';
import { BusDeserializer } from './nest/bus-deserializer';
import { BusSerializer } from './nest/bus-serializer';

export interface BusServerOptions {
  /** Queue group every replica joins (QUEUE_GROUPS from the contracts). */
  queue?: string;
  /** Inbox prefixes replies may go to (default: `_INBOX_<user>` of every SERVICE_REQUESTERS user). */
  replyPrefixes?: readonly string[];
}

interface ReplyPacket {
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
}

/**
 * NestJS's NATS transport (ServerNats, with the contract's serializer/deserializer) on the service's shared BusConnection, plus what a replica needs to leave a
 * queue group cleanly:
 * - every message in progress is counted, from arrival until its reply has been published;
 * - `drain()` unsubscribes (NATS then routes new requests to the other replicas), lets the
 *   messages already received finish, and resolves when none is left (or at a deadline);
 * - a request gets exactly one reply: NestJS's trailing "disposed" packet is not sent as a
 *   second (empty) reply;
 * - a reply goes only into a requester's inbox (`_INBOX_<user>.…` of SERVICE_REQUESTERS, or the
 *   prefixes given): a message whose reply subject is anything else — a JetStream API, `$SYS` or
 *   audit subject named by an attacker so that our reply would act there — is dropped unprocessed
 *   and logged. (infra/nats/nats.conf refuses such publishes too; this is the second wall.)
 * The wire format and the queue group go through ServerNats's public options; the overrides
 * below exist because NestJS offers no extension point before deserialization (its processing
 * hooks run only for handled requests). bus-server.spec.ts pins the ServerNats behaviour they use.
 */
export class BusServer extends ServerNats {
  private readonly subs: Subscription[] = [];
  private readonly inflight = new InflightTracker();
  private readonly requestDone = new WeakMap<object, () => void>();
  private readonly queueGroup?: string;
  /** Replies produced during this turn of the event loop, sent together at its end. */
  private outgoing: Array<() => void> = [];
  private readonly replyPrefixes: string[];
  private refusedReplies = 0;
  private lastRefusalLog = 0;

  constructor(
    private readonly bus: BusConnection,
    private readonly log: AppLogger,
    { queue, replyPrefixes = SERVICE_REQUESTERS.map(natsInboxPrefix) }: BusServerOptions = {},
  ) {
    super({ queue, serializer: new BusSerializer(), deserializer: new BusDeserializer() });
    this.queueGroup = queue;
    this.replyPrefixes = replyPrefixes.map((p) => `${p}.`);
  }

  /** Messages dropped because their reply subject was not a requester's inbox. */
  get refusedReplyCount(): number {
    return this.refusedReplies;
  }

  /** Whether a reply may be published on `subject` (a requester's inbox, and nothing else). */
  isAllowedReplySubject(subject: string): boolean {
    return this.replyPrefixes.some((prefix) => subject.length > prefix.length && subject.startsWith(prefix)) && !/[\s*>]/.test(subject);
  }

  /** Messages received and not yet answered/handled. */
  get inFlight(): number {
    return this.inflight.size;
  }

  override async createNatsClient(): Promise<NatsConnection> {
    return this.bus.start();
  }

  /**
   * Subjects are plain strings here: look the handler up directly. (NestJS first tries
   * `JSON.parse(subject)` for object patterns, and the exception it catches costs more than
   * the rest of routing a message.)
   */
  override getHandlerByPattern(pattern: string): ReturnType<ServerNats['getHandlerByPattern']> {
    return this.messageHandlers.get(pattern) ?? super.getHandlerByPattern(pattern);
  }

  /** BusConnection logs connection changes; nothing to add here. */
  override async handleStatusUpdates(): Promise<void> {}

  override bindEvents(client: NatsConnection): void {
    for (const [channel, handler] of this.messageHandlers) {
      const queue: string | undefined = handler.extras?.queue ?? this.queueGroup;
      const sub = client.subscribe(channel, {
        queue,
        callback: (err, msg) => {
          if (err) {
            this.log.error({ subject: channel, error: err.message }, 'subscription error');
            return;
          }
          void this.handleMessage(channel, msg);
        },
      });
      this.subs.push(sub);
      this.log.debug({ subject: channel, queue }, 'subscribed');
    }
  }

  override async handleMessage(channel: string, natsMsg: Msg): Promise<void> {
    if (natsMsg.reply && !this.isAllowedReplySubject(natsMsg.reply)) {
      // Neither answered nor processed: whoever names such a reply subject is attacking.
      this.refusedReplies++;
      const now = Date.now();
      if (now - this.lastRefusalLog >= 1_000) {
        // At most one line a second, with the running count (a flood must not flood the logs).
        this.lastRefusalLog = now;
        this.log.warn(
          { subject: natsMsg.subject, reply: natsMsg.reply.slice(0, 128), refused: this.refusedReplies },
          "request with a reply subject outside the requesters' inboxes dropped",
        );
      }
      return;
    }
    const done = this.inflight.begin();
    const isRequest = !!natsMsg.reply;
    if (isRequest) this.requestDone.set(natsMsg, done);
    try {
      await super.handleMessage(channel, natsMsg);
    } catch (err) {
      this.log.error({ subject: natsMsg.subject, error: (err as Error)?.message }, 'message handling failed');
      done();
    } finally {
      if (!isRequest) done();
    }
  }

  override getPublisher(natsMsg: Msg, id: string, ctx: NatsContext): (response: any) => any {
    const publish = super.getPublisher(natsMsg, id, ctx);
    const done = this.requestDone.get(natsMsg) ?? (() => undefined);
    let replied = false;
    return (packet: ReplyPacket) => {
      const final = packet.isDisposed === true || packet.err !== undefined;
      if (replied && packet.response === undefined && packet.err === undefined) {
        if (final) done();
        return undefined;
      }
      replied = true;
      this.queueReply(() => {
        try {
          publish(packet);
        } catch (err) {
          this.log.warn({ subject: natsMsg.subject, error: (err as Error)?.message }, 'reply not sent');
        } finally {
          if (final) done();
        }
      });
      return undefined;
    };
  }

  /**
   * Queues a reply for the end of this event-loop turn. nats.js writes to the socket once per
   * microtask checkpoint; replies of handlers that await something finish in different
   * checkpoints, so under load each would cost its own write. Sending them together makes one
   * write per turn, for a delay of well under a millisecond.
   */
  private queueReply(reply: () => void): void {
    this.outgoing.push(reply);
    if (this.outgoing.length === 1) {
      setImmediate(() => {
        const batch = this.outgoing;
        this.outgoing = [];
        for (const send of batch) send();
      });
    }
  }

  /**
   * Leaves the queue group: unsubscribes every subject (after the server has confirmed, no new
   * message arrives), then waits for the messages in progress. `true` if all finished in time.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    const subs = this.subs.splice(0);
    if (!this.bus.isOnline) {
      // NATS is away: nothing more can arrive, and no reply could be sent.
      for (const sub of subs) sub.unsubscribe();
      return this.inflight.size === 0;
    }
    const deadline = Date.now() + timeoutMs;
    // Draining waits for the server's confirmation; if NATS is away, do not wait past the deadline.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(subs.map((sub) => (sub.isClosed() ? undefined : sub.drain().catch(() => sub.unsubscribe())))),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    return this.inflight.idle(Math.max(0, deadline - Date.now()));
  }

  /** Unsubscribes; the connection itself belongs to BusConnection and is closed there. */
  override async close(): Promise<void> {
    for (const sub of this.subs.splice(0)) {
      try {
        sub.unsubscribe();
      } catch {
        // already closed with the connection
      }
    }
  }
}
