import { natsInboxPrefix } from '@auth-bus/service-kit/config';
import { connect, type NatsConnection } from 'nats';

/** Where a command-line tool connects, and as whom (its own least-privilege NATS user). */
export interface CliNatsTarget {
  servers: string[];
  natsUser: string;
  natsPassword: string;
}

/**
 * The NATS connection of a command-line tool (`npm run audit`, `npm run revoke`): named after the
 * tool and its pid, replies in the user's own inbox (the only one nats.conf lets it read; ordered
 * consumers deliver there too), a 5 s connect timeout and — unless it follows a stream — no
 * reconnects, so a command fails fast. On failure, `err` gets one line naming the servers and the
 * user, and the result is undefined.
 */
export async function connectCli(tool: string, target: CliNatsTarget, err: (line: string) => void, { follow = false } = {}): Promise<NatsConnection | undefined> {
  try {
    return await connect({
      servers: target.servers,
      user: target.natsUser,
      pass: target.natsPassword,
      name: `${tool}-cli:${process.pid}`,
      inboxPrefix: natsInboxPrefix(target.natsUser),
      timeout: 5_000,
      maxReconnectAttempts: follow ? -1 : 0,
    });
  } catch (e) {
    err(`${tool}: cannot connect to NATS at ${target.servers.join(', ')} as ${target.natsUser}: ${(e as Error).message}`);
    return undefined;
  }
}
