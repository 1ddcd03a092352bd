import 'reflect-metadata';
import { createLogger, loadDotEnv } from '@auth-bus/service-kit';
import { join } from 'node:path';
import { createRelayApp } from './app.factory';
import { loadConfig } from './config/relay.config';

async function main(): Promise<void> {
  // apps/host-relay/.env (git-ignored) if present; variables already in the environment win.
  loadDotEnv(join(__dirname, '..', '.env'));
  const config = loadConfig();
  const logger = createLogger({ service: 'host-relay', instance: config.instance, level: config.logLevel });
  const app = await createRelayApp(config, logger);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    {
      port,
      host: config.host,
      mode: config.production ? 'production' : 'development',
      allowedOrigins: config.allowedOrigins,
      // Development: any http://localhost|127.0.0.1|[::1]:<port> app as well (AUTH_BUS_ENV=production turns this off).
      localOrigins: config.allowLoopbackOrigins,
      sessionReports: config.sessionReports,
      nats: config.nats.servers,
      natsUser: config.nats.user,
    },
    `host-relay listening on http://${config.host}:${port} (WebSocket /ws)`,
  );
  if (config.production && config.trustProxy === false) {
    logger.warn(
      'RELAY_TRUST_PROXY=false: per-address limits (connections, session reports, token trials) see the socket address; behind a reverse proxy every client would share the proxy\'s — set RELAY_TRUST_PROXY',
    );
  }
}

main().catch((err) => {
  // Configuration errors name the variable, never its value.
  process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'host-relay', msg: (err as Error).message })}\n`);
  process.exit(1);
});
