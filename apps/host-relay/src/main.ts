import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { createRelayApp } from './app.factory';
import { createLogger } from './common/logging/logger';
import { loadConfig } from './config/relay.config';

/** Loads `apps/host-relay/.env` if there is one; variables already in the environment win. */
function loadDotEnv(): void {
  const file = join(__dirname, '..', '.env');
  if (!existsSync(file)) return;
  for (const [key, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (process.env[key] === undefined) process.env[key] = value;
  }
}

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const app = await createRelayApp(config, logger);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    { port, host: config.host, allowedOrigins: config.allowedOrigins, nats: config.nats.servers, natsUser: config.nats.user },
    `host-relay listening on http://${config.host}:${port} (WebSocket /ws)`,
  );
}

main().catch((err) => {
  // Configuration errors name the variable, never its value.
  process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'host-relay', msg: (err as Error).message })}\n`);
  process.exit(1);
});
