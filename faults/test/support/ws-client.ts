import WebSocket from 'ws';

/**
 * A WebSocket client speaking the component protocol to host-relay, as the component frame does:
 * `hello`, `session.reported`, `web.request` — with every frame it receives kept until taken.
 */
export class WsClient {
  readonly frames: any[] = [];
  private waiters: Array<{ match: (f: any) => boolean; resolve: (f: any) => void }> = [];
  closeCode?: number;
  readonly closed: Promise<number>;
  private nextId = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      let frame: any;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        frame = { type: '<not json>', raw: data.toString().slice(0, 200), isBinary };
      }
      const waiter = this.waiters.find((w) => w.match(frame));
      if (waiter) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      } else this.frames.push(frame);
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  /** Opens a socket; rejects with `status` if the handshake is refused. */
  static open(url: string, origin?: string, options: WebSocket.ClientOptions = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { ...(origin ? { origin } : {}), handshakeTimeout: 10_000, ...options });
      const client = new WsClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`handshake refused: ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  /** Opens a socket and says hello for `sessionId`. */
  static async hello(url: string, origin: string, sessionId: string): Promise<WsClient> {
    const client = await WsClient.open(url, origin);
    client.send({ type: 'hello', v: 1, session_id: sessionId });
    const welcome = await client.next((f) => f.type === 'welcome' || f.type === 'error');
    if (welcome.type !== 'welcome') {
      client.close();
      throw new Error(`hello refused: ${JSON.stringify(welcome)}`);
    }
    return client;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: unknown, options: { binary?: boolean } = {}): void {
    const data = typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame);
    this.ws.send(data, { binary: options.binary ?? false });
  }

  /** The first frame (already received or still to come) that matches; rejects after `timeout`. */
  next(match: (f: any) => boolean = () => true, timeout = 5_000): Promise<any> {
    const seen = this.frames.find(match);
    if (seen) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (f: any) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching frame within ${timeout} ms; last frames ${JSON.stringify(this.frames.slice(-3))}; socket ${this.isOpen ? 'open' : `closed (${this.closeCode})`}`));
      }, timeout);
      this.waiters.push(waiter);
    });
  }

  /** `session.reported` with a token; resolves with the relay's answer (an ack or an error frame). */
  async report(token: string, timeout = 5_000): Promise<any> {
    this.send({ type: 'session.reported', token, user: { name: 'someone' } });
    return this.next((f) => f.type === 'session.ack' || f.type === 'error', timeout);
  }

  /** A `web.request`; resolves with its answer (a web.result or an error frame with the same id). */
  request(path: string, options: { useauth?: boolean; timeout?: number; method?: 'GET' | 'POST' } = {}): Promise<any> {
    const id = `q${++this.nextId}`;
    this.send({ type: 'web.request', id, method: options.method ?? 'GET', path, useauth: options.useauth ?? false });
    return this.next((f) => f.id === id && (f.type === 'web.result' || f.type === 'error'), options.timeout ?? 10_000);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}
