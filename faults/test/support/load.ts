import { SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { codeOf, now, sleep, type Outcome } from './measure';
import type { WsClient } from './ws-client';

/** A loop that keeps one client busy until `stop()`; every request becomes an Outcome. */
export class Loop {
  readonly outcomes: Outcome[] = [];
  private stopped = false;
  private readonly running: Promise<void>;

  constructor(
    readonly client: string,
    private readonly deadlineMs: number,
    private readonly once: () => Promise<{ ok: boolean; code?: string; instance?: string }>,
    private readonly pauseMs = 20,
  ) {
    this.running = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const startedAt = now();
      let result: { ok: boolean; code?: string; instance?: string };
      try {
        result = await this.once();
      } catch (err) {
        result = { ok: false, code: codeOf(err) };
      }
      this.outcomes.push({ client: this.client, startedAt, durationMs: now() - startedAt, deadlineMs: this.deadlineMs, ...result });
      if (this.pauseMs) await sleep(this.pauseMs);
    }
  }

  async stop(): Promise<Outcome[]> {
    this.stopped = true;
    await this.running;
    return this.outcomes;
  }
}

/** GET `path` on the relay's HTTP gateway; the typed code comes from the `{error}` body. */
export function httpOnce(baseUrl: string, path: string, token: string | undefined, hangGuardMs: number) {
  return async () => {
    const res = await fetch(`${baseUrl}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(hangGuardMs),
    });
    const body = (await res.json()) as any;
    if (res.status === 200) return { ok: true, instance: body.instance };
    return { ok: false, code: typeof body?.error?.code === 'string' ? body.error.code : `UNTYPED:HTTP ${res.status}` };
  };
}

/** A delegated web.request over the relay's WebSocket; the code comes from the web.result/error frame. */
export function wsOnce(socket: WsClient, path: string, hangGuardMs: number) {
  return async () => {
    if (!socket.isOpen) return { ok: false, code: `UNTYPED:socket closed (${socket.closeCode})` };
    const frame = await socket.request(path, { useauth: true, timeout: hangGuardMs });
    if (frame.type === 'web.result' && frame.ok) return { ok: true, instance: frame.data?.instance };
    return { ok: false, code: frame.error?.code ?? `UNTYPED:${JSON.stringify(frame).slice(0, 80)}` };
  };
}

/** Alternating api.pong and auth.verify with the typed TypeScript client. */
export function busOnce(bus: BusClient, token: string, timeoutMs: number, tag: string) {
  let i = 0;
  return async () => {
    const n = i++;
    if (n % 2 === 0) {
      const reply = await bus.request(SUBJECTS.api.pong, {}, { token, timeout: timeoutMs });
      return { ok: true, instance: reply.instance };
    }
    const reply = await bus.request(SUBJECTS.auth.verify, { caller: 'faults', session_id: `${tag}-${n}` }, { token, timeout: timeoutMs });
    return { ok: true, instance: reply.instance };
  };
}
