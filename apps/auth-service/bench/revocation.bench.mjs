#!/usr/bin/env node
// Benchmark of revocation (issue 21 goals; not a test). Starts on free ports a real nats-server
// (infra/nats/nats.conf), the real dev-idp, auth-service and 4 api-service replicas (built dists),
// then measures:
//  1. revoke → every replica refuses: for each trial a fresh token (a real login) is cached by
//     all 4 replicas, revoked with the revoke command's own function (runRevokeCli, as the NATS
//     user `revoker`), and from the moment it returns, api.pong is called with the token,
//     8 in flight, for 300 ms. Latency = send time (after the command returned) of the last
//     request any replica still ACCEPTED (0 when none was): after it, every reply was `revoked`.
//  2. the check's cost: api.pong p50/p99 (sequential, cached token) with 0 revocations, then
//     after 10,000 token revocations are stored (and loaded by every replica).
//
//   node apps/auth-service/bench/revocation.bench.mjs [--trials 40] [--seq 3000] [--revocations 10000]
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(import.meta.url);
const { values: args } = parseArgs({
  options: { trials: { type: 'string', default: '40' }, seq: { type: 'string', default: '3000' }, revocations: { type: 'string', default: '10000' } },
});
const TRIALS = Number(args.trials);
const SEQ = Number(args.seq);
const REVOCATIONS = Number(args.revocations);

const { NatsHarness, DevIdpHarness, ServicesHarness } = require(path.join(ROOT, 'libs/testing/dist/index.js'));
const { encodeBody, decodeBody, bearer } = require(path.join(ROOT, 'libs/contracts/dist/index.js'));
const { runRevokeCli } = require(path.join(ROOT, 'apps/auth-service/dist/revoke-cli/main.js'));
const { headers: natsHeaders, connect } = require('nats');

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const nats = await NatsHarness.start();
const idp = await DevIdpHarness.start();
const services = await ServicesHarness.start({ nats, idp, apiReplicas: 4 });
const host = await nats.connectAs('streamlit-host');
const body = encodeBody({});
const hdr = (token) => {
  const h = natsHeaders();
  h.set('Authorization', bearer(token));
  return h;
};
async function pong(token) {
  const m = await host.request('api.pong', body, { headers: hdr(token), timeout: 10_000 });
  return decodeBody(m.data);
}

try {
  const instances = services.api.map((r) => r.instance);
  // 1. revoke → every replica refuses
  const latencies = [];
  for (let t = 0; t < TRIALS; t++) {
    const token = (await idp.tokenFor(t % 2 ? 'alice' : 'carol')).access_token;
    const seen = new Set();
    for (let i = 0; i < 400 && seen.size < instances.length; i++) {
      const r = await pong(token);
      if (r.instance) seen.add(r.instance);
    }
    if (seen.size < instances.length) throw new Error('not every replica answered');
    const code = await runRevokeCli(['--token', token, '--server', nats.url], () => {}, (l) => console.error(l));
    if (code !== 0) throw new Error(`revoke exited ${code}`);
    const t0 = performance.now();
    let lastAccepted = -1;
    let refused = 0;
    const worker = async () => {
      while (performance.now() - t0 < 300) {
        const sent = performance.now() - t0;
        const r = await pong(token);
        if (r.error) {
          if (r.error.reason !== 'revoked') throw new Error(`unexpected ${JSON.stringify(r.error)}`);
          refused++;
        } else lastAccepted = Math.max(lastAccepted, sent);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    if (refused === 0) throw new Error('never refused');
    latencies.push(Math.max(0, lastAccepted));
  }
  latencies.sort((a, b) => a - b);

  // 2. the check's cost with many revocations
  const token = (await idp.tokenFor('alice')).access_token;
  async function measure() {
    for (let i = 0; i < 300; i++) await pong(token);
    const ms = [];
    for (let i = 0; i < SEQ; i++) {
      const s = performance.now();
      const r = await pong(token);
      ms.push(performance.now() - s);
      if (r.error) throw new Error(JSON.stringify(r.error));
    }
    ms.sort((a, b) => a - b);
    return { p50: pct(ms, 50), p99: pct(ms, 99) };
  }
  const before = await measure();
  const writer = await connect({ servers: nats.url, user: 'revoker', pass: 'revoker-dev-password', inboxPrefix: '_INBOX_revoker' });
  const kv = await writer.jetstream().views.kv('REVOCATIONS', { bindOnly: true });
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < REVOCATIONS; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, REVOCATIONS - i) }, () => {
        const h = randomBytes(8).toString('hex');
        return kv.put(`token.${h}`, JSON.stringify({ kind: 'token', token_hash: h, revoked_at: now, by: 'bench' }));
      }),
    );
  }
  await writer.close();
  await sleep(2_000); // every replica's watch has delivered them
  const after = await measure();
  const delta = ((after.p50 - before.p50) / before.p50) * 100;
  const f = (x) => x.toFixed(3);
  console.log(`revoke → all ${instances.length} replicas refuse (ms after the command returned, ${TRIALS} trials): p50 ${f(pct(latencies, 50))}  p99 ${f(pct(latencies, 99))}  max ${f(latencies.at(-1))}`);
  console.log(`api.pong sequential (${SEQ} calls, cached token): 0 revocations p50 ${f(before.p50)} ms p99 ${f(before.p99)} ms; ${REVOCATIONS} revocations p50 ${f(after.p50)} ms p99 ${f(after.p99)} ms; p50 change ${delta.toFixed(1)} %`);
} finally {
  await host.close();
  await services.stop();
  await idp.stop();
  await nats.dispose();
}
