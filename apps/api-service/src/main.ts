import 'reflect-metadata';
import { QUEUE_GROUPS } from '@auth-bus/contracts';
import { createLogger, loadDotEnv, startBusService } from '@auth-bus/service-kit';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { loadApiServiceConfig } from './config/api-service.config';

/**
 * api-service: one replica of the API on the bus. Joins the `api-service` queue group, so any
 * number of replicas share the requests; SIGTERM drains the replica (see startBusService).
 */
async function main(): Promise<void> {
  loadDotEnv(join(__dirname, '..', '.env'));
  let config;
  try {
    config = loadApiServiceConfig();
  } catch (err) {
    console.error(`api-service: invalid configuration: ${(err as Error).message}`);
    process.exit(2);
  }
  const logger = createLogger({ service: config.service, instance: config.instance, level: config.logLevel });
  logger.info({ nats: config.nats.servers, issuer: config.auth.issuer, audience: config.auth.audience }, 'starting');
  await startBusService({
    service: config.service,
    instance: config.instance,
    nats: config.nats,
    queue: QUEUE_GROUPS.apiService,
    logger,
    drainTimeoutMs: config.drainTimeoutMs,
    module: (runtime) => AppModule.register(config, runtime),
  });
}

main().catch((err) => {
  console.error(`api-service failed to start: ${(err as Error)?.stack ?? err}`);
  process.exit(1);
});
