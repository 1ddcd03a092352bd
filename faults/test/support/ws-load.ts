import { expect } from '@jest/globals';
import { MiB, now, percentile, report, round, rssBytes, sleep } from './measure';
import { ORIGIN, relayPid, type Stack } from './stack';
import { WsClient } from './ws-client';

export interface WsLoadOptions {
  clients: number;
  /** A first run at the same load, not measured: the relay's heap reaches its working size. */
  warmupMs: number;
  durationMs: number;
  /** Each client sends at most one request per period (and one at a time). */
  periodMs: number;
  /** Allowed growth of the relay's RSS over the measured run, warm to end, clients connected and idle (bytes). */
  rssBoundBytes: number;
  name: string;
}

/**
 * N WebSocket clients on host-relay, as N component frames: each says hello, reports alice's
 * session, then makes delegated `web.request`s (GET /api/pong with useauth) one at a time, at most
 * one per period, for the duration. Measures every request's latency and answer, and the relay's
 * RSS (Linux /proc).
 *
 * Memory: V8 keeps the heap it grew to, so RSS is compared at the same state — the relay at rest
 * with every client connected — after a warm-up at the same load and again after the measured
 * run; a leak (per connection, per request) shows up as growth between the two. RSS when cold
 * and after the clients left are reported too.
 *
 * Asserts what must hold whatever the machine: every request answered (no hang), nothing but
 * successes (errors are counted and must be zero: the load stays within the relay's per-connection
 * limits), and RSS growth over the run within the stated bound. Latency is reported.
 */
export async function runWsLoad(stack: Stack, opts: WsLoadOptions): Promise<void> {
  const relay = stack.relay!;
  const pid = relayPid(relay);
  const token = stack.alice.access_token;
  // Warm up (JIT, pools) so that "before" is the relay at rest, not the relay cold.
  const warm = await WsClient.hello(relay.wsUrl, ORIGIN, 'load-warmup');
  await warm.report(token);
  for (let i = 0; i < 200; i++) await warm.request('/api/pong', { useauth: true });
  warm.close();
  await sleep(2_000);
  const rssBefore = rssBytes(pid)!;

  const connectStarted = now();
  const clients: WsClient[] = [];
  for (let i = 0; i < opts.clients; i += 25) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(25, opts.clients - i) }, (_, j) => WsClient.hello(relay.wsUrl, ORIGIN, `load-${i + j}`)))));
  }
  const acks = await Promise.all(clients.map((c) => c.report(token, 15_000)));
  expect(acks.filter((a) => a.type !== 'session.ack')).toEqual([]);
  const connectMs = now() - connectStarted;

  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let hung = 0;
  const drive = async (durationMs: number, record: boolean) => {
    const until = now() + durationMs;
    await Promise.all(
      clients.map(async (client, i) => {
        await sleep((i / opts.clients) * opts.periodMs); // spread the first requests over one period
        while (now() < until) {
          const sent = now();
          try {
            const answer = await client.request('/api/pong', { useauth: true, timeout: 15_000 });
            if (record) latencies.push(now() - sent);
            if (!(answer.type === 'web.result' && answer.ok)) {
              const code = answer.error?.code ?? answer.type;
              errors[code] = (errors[code] ?? 0) + 1;
            }
          } catch {
            hung++;
          }
          const wait = opts.periodMs - (now() - sent);
          if (wait > 0) await sleep(wait);
        }
      }),
    );
  };
  // Warm-up at the same load, then the relay at rest with every client connected: the baseline.
  await drive(opts.warmupMs, false);
  await sleep(3_000);
  const rssWarm = rssBytes(pid)!;
  let peakRss = rssWarm;
  const samples: number[] = [];
  const sampler = setInterval(() => {
    const rss = rssBytes(pid) ?? 0;
    peakRss = Math.max(peakRss, rss);
    samples.push(rss);
  }, 1_000);
  const started = now();
  await drive(opts.durationMs, true);
  const elapsed = now() - started;
  clearInterval(sampler);
  await sleep(3_000);
  const rssEnd = rssBytes(pid)!;
  for (const c of clients) c.close();
  await Promise.all(clients.map((c) => Promise.race([c.closed, sleep(5_000)])));
  await sleep(3_000);
  const rssAfter = rssBytes(pid)!;

  const total = latencies.length + hung;
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const figures = {
    clients: opts.clients,
    duration_s: round(elapsed / 1000),
    period_ms: opts.periodMs,
    connect_and_report_ms: round(connectMs),
    requests: total,
    throughput_per_s: round(total / (elapsed / 1000)),
    errors: errorCount,
    error_codes: errors,
    hung,
    latency_ms: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(Math.max(...latencies)) },
    warmup_s: round(opts.warmupMs / 1000),
    relay_rss_mib: {
      cold: round(rssBefore / MiB),
      warm: round(rssWarm / MiB),
      peak: round(peakRss / MiB),
      end: round(rssEnd / MiB),
      growth_warm_to_end: round((rssEnd - rssWarm) / MiB),
      bound: round(opts.rssBoundBytes / MiB),
      after_clients_left: round(rssAfter / MiB),
      growth_cold_to_after: round((rssAfter - rssBefore) / MiB),
      every_10s: samples.filter((_, i) => i % 10 === 9).map((b) => round(b / MiB)),
    },
  };
  report(opts.name, figures);

  expect(hung).toBe(0);
  expect(errors).toEqual({});
  expect(total).toBeGreaterThan(opts.clients * 2);
  expect(rssEnd - rssWarm).toBeLessThan(opts.rssBoundBytes);
  // The relay is still the same process, serving.
  expect(relayPid(relay)).toBe(pid);
  const after = await WsClient.hello(relay.wsUrl, ORIGIN, 'load-after');
  try {
    await after.report(token);
    expect(await after.request('/api/pong', { useauth: true })).toMatchObject({ type: 'web.result', ok: true });
  } finally {
    after.close();
  }
}
