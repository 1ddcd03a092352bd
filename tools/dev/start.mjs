// `npm start`: set up what is missing, build, start every part, wait until all are healthy,
// print where to open the app, and stop everything cleanly on Ctrl-C.
// startProvider: `--provider keycloak` (issue 14) starts Keycloak with the auth-bus realm instead of dev-idp.
import { buildAll, ensureSetup, PORTS, startProvider, startSystem, statusTable, waitHealthy } from './system.cjs';

const t0 = Date.now();
try {
  ensureSetup();
  buildAll();
} catch (err) {
  console.error(`\n✖ Set-up failed: ${err.message}`);
  process.exit(1);
}

const quiet = process.argv.includes('--quiet');
let system;
let provider;
try {
  provider = startProvider(); // --provider keycloak; nothing for dev-idp
  system = await startSystem({ output: quiet ? () => undefined : undefined, extraEnv: provider.env });
} catch (err) {
  console.error(`\n✖ ${err.message}`);
  await provider?.stop();
  process.exit(1);
}

let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log('\nStopping every part …');
  await system.stop();
  await provider.stop();
  console.log(`Stopped (${system.processes().length} processes left).`);
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

try {
  const readyAt = await waitHealthy({ exited: system.exited });
  await provider.ready;
  console.log(`\n${statusTable(readyAt)}\n`);
  console.log(`All parts healthy ${((Date.now() - t0) / 1000).toFixed(1)} s after \`npm start\`.`);
  console.log(`\n  ➜  Open http://localhost:${PORTS.streamlit}  (log in as alice@example.com / alice-password)\n`);
  if (provider.describe()) console.log(`${provider.describe()}\n`);
  console.log('Press Ctrl-C to stop everything.');
} catch (err) {
  console.error(`\n✖ ${err.message}\n--- last log lines ---\n${system.lines.slice(-40).join('\n')}`);
  await shutdown(1);
}
system.exited.then((code) => {
  if (!shuttingDown) {
    console.error(`The serve run ended unexpectedly (exit ${code}).`);
    shutdown(1);
  }
});
