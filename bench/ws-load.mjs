// The browser's real path under load, for `npm run bench -- --scenario ws` (not a test): N
// WebSocket clients on host-relay, each speaking the component protocol as the component frame
// does (faults/test/support/ws-load.ts drives the same protocol in the fault suite) — `hello`,
// `session.reported` with alice's token, then delegated `web.request`s (GET /api/pong with
// useauth) at a fixed rate per client, one at a time. Reports throughput, latency percentiles and
// every answer that was not a success.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One component socket: frames by id, and the hello/report handshake. */
class ComponentSocket {
  constructor(ws) {
    this.ws = ws;
    this.waiting = new Map();
    this.nextId = 0;
    ws.on('message', (data) => {
      let frame;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      // Answers to requests carry their id; a refused hello or report is an error frame without one.
      const key = frame.id ?? (frame.type === 'error' ? (this.waiting.has('welcome') ? 'welcome' : 'session.ack') : frame.type);
      const waiter = this.waiting.get(key);
      if (waiter) {
        this.waiting.delete(key);
        waiter(frame);
      }
    });
    ws.on('error', () => undefined);
  }

  static open(url, origin) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { origin, handshakeTimeout: 10_000, perMessageDeflate: false });
      ws.once('open', () => resolve(new ComponentSocket(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket handshake refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  expect(key, timeoutMs) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        resolve({ type: 'timeout' });
      }, timeoutMs);
      this.waiting.set(key, (frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
  }

  async handshake(sessionId, token) {
    const welcome = this.expect('welcome', 10_000);
    this.ws.send(JSON.stringify({ type: 'hello', v: 1, session_id: sessionId }));
    if ((await welcome).type !== 'welcome') throw new Error('hello refused');
    const ack = this.expect('session.ack', 15_000);
    this.ws.send(JSON.stringify({ type: 'session.reported', token, user: { name: 'bench' } }));
    const answer = await ack;
    if (answer.type !== 'session.ack') throw new Error(`session.reported refused: ${JSON.stringify(answer)}`);
  }

  request(path) {
    const id = `q${++this.nextId}`;
    const answer = this.expect(id, 15_000);
    this.ws.send(JSON.stringify({ type: 'web.request', id, method: 'GET', path, useauth: true }));
    return answer;
  }

  close() {
    this.ws.terminate();
  }
}

/**
 * `clients` sockets, each sending `ratePerClient` delegated requests per second (one at a time:
 * the next waits for the answer and the rest of its period), for `durationS` after `warmupS`
 * at the same load.
 */
export async function wsLoad({ wsUrl, origin, token, clients, ratePerClient, durationS, warmupS }) {
  const sockets = [];
  try {
    for (let i = 0; i < clients; i += 25) {
      const batch = await Promise.all(Array.from({ length: Math.min(25, clients - i) }, () => ComponentSocket.open(wsUrl, origin)));
      await Promise.all(batch.map((s, j) => s.handshake(`bench-ws-${i + j}`, token)));
      sockets.push(...batch);
    }
    const periodMs = 1000 / ratePerClient;
    const latencies = [];
    const failures = {};
    const drive = async (ms, record) => {
      const until = performance.now() + ms;
      await Promise.all(
        sockets.map(async (socket, i) => {
          await sleep((i / clients) * periodMs); // spread the sockets over one period
          let next = performance.now();
          while (next < until) {
            const sent = performance.now();
            const answer = await socket.request('/api/pong');
            if (record) {
              if (answer.type === 'web.result' && answer.ok) latencies.push(performance.now() - sent);
              else {
                const code = answer.error?.code ?? answer.type;
                failures[code] = (failures[code] ?? 0) + 1;
              }
            }
            next += periodMs;
            const wait = next - performance.now();
            if (wait > 0) await sleep(wait);
            else next = performance.now(); // late: no catching up in a burst
          }
        }),
      );
    };
    await drive(warmupS * 1000, false);
    const t0 = performance.now();
    await drive(durationS * 1000, true);
    const elapsed = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] : NaN);
    const r2 = (x) => Math.round(x * 100) / 100;
    const errors = Object.values(failures).reduce((a, b) => a + b, 0);
    return {
      clients,
      rate_per_client: ratePerClient,
      offered_per_s: clients * ratePerClient,
      requests: latencies.length,
      req_per_s: Math.round(latencies.length / elapsed),
      p50_ms: r2(pct(50)),
      p90_ms: r2(pct(90)),
      p99_ms: r2(pct(99)),
      max_ms: r2(latencies.at(-1) ?? NaN),
      errors,
      error_codes: failures,
    };
  } finally {
    for (const s of sockets) s.close();
  }
}
