import WebSocket from 'ws';

/** A `ws` client for tests: keeps every frame it receives and waits for the ones it expects. */
export class TestSocket {
  readonly frames: any[] = [];
  private waiters: { match: (f: any) => boolean; resolve: (f: any) => void }[] = [];
  closeCode?: number;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  /** Opens a socket; rejects with the HTTP status if the handshake is refused. */
  static open(url: string, origin?: string, options: WebSocket.ClientOptions = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { ...(origin ? { origin } : {}), ...options });
      const client = new TestSocket(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`handshake refused: ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  /** Opens a socket and says hello (`options.localAddress` picks the client address, e.g. 127.0.0.2). */
  static async hello(url: string, origin: string, sessionId = `s-${Math.random().toString(36).slice(2)}`, options: WebSocket.ClientOptions = {}): Promise<TestSocket> {
    const client = await TestSocket.open(url, origin, options);
    client.send({ type: 'hello', v: 1, session_id: sessionId });
    await client.next((f) => f.type === 'welcome');
    return client;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame (already received or still to come) that matches. */
  next(match: (f: any) => boolean, timeout = 5000): Promise<any> {
    const seen = this.frames.find(match);
    if (seen) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeout} ms; got ${JSON.stringify(this.frames.slice(-5))}`)), timeout);
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          this.frames.splice(this.frames.indexOf(f), 1);
          resolve(f);
        },
      });
    });
  }

  /** Sends a web.request and waits for the answer with its id (a web.result or an error frame). */
  async request(path: string, options: { id?: string; useauth?: boolean; label?: string; timeout?: number } = {}): Promise<any> {
    const id = options.id ?? `r-${Math.random().toString(36).slice(2)}`;
    this.send({ type: 'web.request', id, method: 'GET', path, useauth: options.useauth ?? false, ...(options.label ? { label: options.label } : {}) });
    return this.next((f) => f.id === id, options.timeout);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}
