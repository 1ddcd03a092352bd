import 'reflect-metadata';
import { QUEUE_GROUPS } from '@auth-bus/contracts';
import { runBusServiceMain } from '@auth-bus/service-kit';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { loadAuthServiceConfig } from './config/auth-service.config';

/**
 * auth-service: verifies tokens (`auth.verify`), records session events, owns the AUDIT stream
 * and answers `audit.query`. Replicas share the `auth-service` queue group.
 */
runBusServiceMain({
  name: 'auth-service',
  envFile: join(__dirname, '..', '.env'),
  loadConfig: loadAuthServiceConfig,
  queue: QUEUE_GROUPS.authService,
  module: (config, runtime) => AppModule.register(config, runtime),
});
