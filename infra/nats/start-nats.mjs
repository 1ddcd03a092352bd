// Serve target of the `nats` project: runs nats-server in the foreground with our config.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { spawnNats } = require('./index.cjs');

let nats;
try {
  nats = spawnNats();
} catch (err) {
  console.error(`[nats] ${err.message}`);
  process.exit(1);
}
const { child, settings } = nats;
console.log(`[nats] nats-server on :${settings.NATS_PORT} (monitoring :${settings.NATS_MONITOR_PORT}), JetStream in ${settings.NATS_STORE_DIR}`);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
