import 'reflect-metadata';
import { QUEUE_GROUPS } from '@auth-bus/contracts';
import { runBusServiceMain } from '@auth-bus/service-kit';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { loadApiServiceConfig } from './config/api-service.config';

/**
 * api-service: one replica of the API on the bus. Joins the `api-service` queue group, so any
 * number of replicas share the requests; SIGTERM drains the replica (see startBusService).
 */
runBusServiceMain({
  name: 'api-service',
  envFile: join(__dirname, '..', '.env'),
  loadConfig: loadApiServiceConfig,
  queue: QUEUE_GROUPS.apiService,
  module: (config, runtime) => AppModule.register(config, runtime),
});
