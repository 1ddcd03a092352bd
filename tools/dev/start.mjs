// `npm start [-- --replicas N] [-- --provider keycloak] [-- --quiet]`: set up what is missing,
// build, start every part through the stack launcher (N of each part that scales, HAProxy in
// front when N > 1), wait until all are healthy, print where to open the app, and stop everything
// cleanly on Ctrl-C.
// startProvider: `--provider keycloak` (issue 14) starts Keycloak with the auth-bus realm instead of dev-idp.
import { randomUUID } from 'node:crypto';
import { buildAll, ensureSetup, PORTS, processesOfRun, replicasFromArgs, startProvider, startSystem, statusTable, waitHealthy } from './system.cjs';

const t0 = Date.now();
let replicas;
try {
  replicas = replicasFromArgs();
  ensureSetup({ loadBalancer: replicas > 1 });
  buildAll();
} catch (err) {
  console.error(`\n✖ Set-up failed: ${err.message}`);
  process.exit(1);
}

const quiet = process.argv.includes('--quiet');
// Every process of this run carries the marker (the launcher keeps the caller's), so that a Ctrl-C
// even before the launcher answered finds them.
process.env.AUTH_BUS_RUN_ID ??= randomUUID();
const marker = process.env.AUTH_BUS_RUN_ID;
let system;
let provider;
let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log('\nStopping every part …');
  await system?.stop();
  for (const pid of processesOfRun(marker)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }
  await provider?.stop();
  console.log(`Stopped (${processesOfRun(marker).length} processes left).`);
  process.exit(code);
}
// From the first moment: a Ctrl-C while the parts start stops what already runs.
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

try {
  provider = startProvider(); // --provider keycloak; nothing for dev-idp
  system = await startSystem({ output: quiet ? () => undefined : undefined, extraEnv: provider.env, replicas });
} catch (err) {
  console.error(`\n✖ ${err.message}`);
  await provider?.stop();
  process.exit(1);
}

try {
  const readyAt = await waitHealthy({ exited: system.exited, replicas });
  await provider.ready;
  // Ready after: since `npm start`, when the last instance of each part passed its health probe.
  for (const [name, list] of system.run.instances) readyAt[name] = Math.max(readyAt[name] ?? 0, ...list.map((i) => i.healthyAt - t0));
  console.log(`\n${statusTable(readyAt, PORTS, replicas)}\n`);
  console.log(`All parts healthy ${((Date.now() - t0) / 1000).toFixed(1)} s after \`npm start\`.`);
  if (replicas > 1) console.log(`${replicas} replicas of each part behind HAProxy: stats at http://localhost:${PORTS.loadBalancerStats}/stats`);
  console.log(`\n  ➜  Open http://localhost:${PORTS.streamlit}  (log in as alice@example.com / alice-password)\n`);
  if (provider.describe()) console.log(`${provider.describe()}\n`);
  console.log('Press Ctrl-C to stop everything.');
} catch (err) {
  console.error(`\n✖ ${err.message}\n--- last log lines ---\n${system.lines.slice(-40).join('\n')}`);
  await shutdown(1);
}
system.exited.then((code) => {
  if (!shuttingDown) {
    console.error(`Every part ended by itself (exit ${code}).`);
    shutdown(1);
  }
});
