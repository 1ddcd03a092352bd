import 'reflect-metadata';
import { QUEUE_GROUPS } from '@auth-bus/contracts';
import { createLogger, loadDotEnv, startBusService } from '@auth-bus/service-kit';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { loadAuthServiceConfig } from './config/auth-service.config';

/**
 * auth-service: verifies tokens (`auth.verify`), records session events, owns the AUDIT stream
 * and answers `audit.query`. Replicas share the `auth-service` queue group.
 */
async function main(): Promise<void> {
  loadDotEnv(join(__dirname, '..', '.env'));
  let config;
  try {
    config = loadAuthServiceConfig();
  } catch (err) {
    console.error(`auth-service: invalid configuration: ${(err as Error).message}`);
    process.exit(2);
  }
  const logger = createLogger({ service: config.service, instance: config.instance, level: config.logLevel });
  logger.info({ nats: config.nats.servers, issuer: config.auth.issuer, audience: config.auth.audience }, 'starting');
  await startBusService({
    service: config.service,
    instance: config.instance,
    nats: config.nats,
    queue: QUEUE_GROUPS.authService,
    logger,
    drainTimeoutMs: config.drainTimeoutMs,
    module: (runtime) => AppModule.register(config, runtime),
  });
}

main().catch((err) => {
  console.error(`auth-service failed to start: ${(err as Error)?.stack ?? err}`);
  process.exit(1);
});
