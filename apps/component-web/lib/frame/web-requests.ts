import { HTTP_STATUS_BY_CODE, type ClientFrame, type ServerFrame, type WebResultFrame } from '@auth-bus/contracts';
import type { ActionSpec } from './args';
import type { Clock } from './clock';
import type { ActionOutcome } from './frame-state';

/** A request the relay does not answer within this time ends as `TIMEOUT` (504). */
export const ACTION_TIMEOUT_MS = 15_000;

type WebRequestFrame = ClientFrame & { type: 'web.request' };

export interface RelaySender {
  send(frame: ClientFrame): boolean;
  readonly isReady: boolean;
}

/**
 * Delegated web requests (`web.request` → host-relay → `web.result`): the bar's buttons and the
 * host's `action_request` (sent once per id for the frame's life). A request made while the relay
 * is down waits for it, up to its timeout; every request ends in exactly one result.
 */
export class WebRequests {
  private pending = new Map<string, { frame: WebRequestFrame; timer: unknown; sent: boolean }>();
  private seenRequestIds = new Set<string>();
  private buttonCounter = 0;

  constructor(
    private readonly relay: RelaySender,
    private readonly clock: Clock,
    private readonly onFinished: (result: WebResultFrame, outcome: ActionOutcome) => void,
  ) {}

  /** Ids of the requests still waiting for their result. */
  ids(): string[] {
    return [...this.pending.keys()];
  }

  /** The host's `action_request`: sent once per id. Returns true when it was sent now. */
  requestOnce(spec: ActionSpec): boolean {
    if (this.seenRequestIds.has(spec.id)) return false;
    this.seenRequestIds.add(spec.id);
    return this.dispatch(spec.id, spec);
  }

  /** A click on one of the bar's buttons: a new id every time. Returns true when it was sent. */
  runButton(spec: ActionSpec): boolean {
    this.buttonCounter += 1;
    return this.dispatch(`${spec.id}.${this.clock.now().toString(36)}${this.buttonCounter}`.slice(0, 64), spec);
  }

  /** The relay is (again) ready: send what waited for it. */
  flush(): void {
    for (const entry of this.pending.values()) {
      if (!entry.sent) entry.sent = this.relay.send(entry.frame);
    }
  }

  /** A frame from the relay. Returns false for an error that belongs to no request (the host hears of it). */
  onRelayFrame(frame: ServerFrame): boolean {
    if (frame.type === 'web.result') {
      this.finish(frame);
    } else if (frame.type === 'error') {
      if (!frame.id || !this.pending.has(frame.id)) return false;
      this.finish({ type: 'web.result', id: frame.id, ok: false, status: HTTP_STATUS_BY_CODE[frame.error.code] ?? 500, error: frame.error });
    }
    return true;
  }

  dispose(): void {
    for (const entry of this.pending.values()) this.clock.clearTimeout(entry.timer);
    this.pending.clear();
  }

  private dispatch(id: string, spec: ActionSpec): boolean {
    if (this.pending.has(id)) return false;
    const frame: WebRequestFrame = {
      type: 'web.request',
      id,
      ...(spec.label ? { label: spec.label } : {}),
      method: spec.method,
      path: spec.path,
      ...(spec.body ? { body: spec.body } : {}),
      useauth: spec.useauth,
      auth_kind: 'BEARER',
    };
    const timer = this.clock.setTimeout(() => {
      this.finish({
        type: 'web.result',
        id,
        ok: false,
        status: 504,
        error: { code: 'TIMEOUT', message: this.relay.isReady ? 'No answer from host-relay in time' : 'host-relay is not connected' },
        ...(spec.label ? { label: spec.label } : {}),
      });
    }, ACTION_TIMEOUT_MS);
    const sent = this.relay.send(frame);
    this.pending.set(id, { frame, timer, sent });
    return true;
  }

  private finish(result: WebResultFrame): void {
    const entry = this.pending.get(result.id);
    if (!entry) return;
    this.clock.clearTimeout(entry.timer);
    this.pending.delete(result.id);
    const label = result.label ?? entry.frame.label;
    const withLabel: WebResultFrame = label && !result.label ? { ...result, label } : result;
    this.onFinished(withLabel, {
      id: result.id,
      label,
      ok: result.ok,
      status: result.status,
      summary: result.ok ? summarize(result.data) : `${result.error.code}: ${result.error.message}`,
    });
  }
}

function summarize(data: unknown): string {
  if (data && typeof data === 'object' && typeof (data as { data?: unknown }).data === 'string') {
    return (data as { data: string }).data.slice(0, 200);
  }
  try {
    return JSON.stringify(data).slice(0, 200);
  } catch {
    return String(data).slice(0, 200);
  }
}
