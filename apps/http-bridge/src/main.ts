import 'reflect-metadata';
import { QUEUE_GROUPS } from '@auth-bus/contracts';
import { runBusServiceMain } from '@auth-bus/service-kit';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { loadHttpBridgeConfig } from './config/http-bridge.config';

/**
 * http-bridge: one replica of the bridge. Joins the `http-bridge` queue group (any number of
 * replicas share the calls); SIGTERM drains the replica (see startBusService).
 */
runBusServiceMain({
  name: 'http-bridge',
  envFile: join(__dirname, '..', '.env'),
  loadConfig: loadHttpBridgeConfig,
  queue: QUEUE_GROUPS.httpBridge,
  module: (config, runtime) => AppModule.register(config, runtime),
});
