import { NestPinoLogger, type AppLogger } from '@auth-bus/service-kit';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { HttpErrorFilter } from './common/filters/http-error.filter';
import { OriginPolicy } from './common/guards/origin-policy';
import { HttpGatewayHandler } from './http-gateway/http-gateway.handler';
import { bodyLimitMiddleware } from './common/middleware/body-limit.middleware';
import { corsMiddleware } from './common/middleware/cors.middleware';
import type { RelayConfig } from './config/relay.config';
import { RelayWsAdapter } from './ws-gateway/relay-ws.adapter';

/** Everything the relay needs besides its module graph: middleware order, filters, the WebSocket adapter. */
export function configureApp(app: NestExpressApplication, config: RelayConfig, logger: AppLogger): NestExpressApplication {
  const origins = new OriginPolicy(config.allowedOrigins, { allowLoopback: config.allowLoopbackOrigins });
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(corsMiddleware(origins));
  app.use(bodyLimitMiddleware(config.http.maxBodyBytes));
  app.useGlobalFilters(new HttpErrorFilter(logger));
  // `/api/…` is answered by the gateway's own handler ahead of Express (see HttpGatewayHandler).
  app.get(HttpGatewayHandler).mount(app.getHttpServer());
  app.useWebSocketAdapter(new RelayWsAdapter(app, config, origins, logger));
  app.enableShutdownHooks();
  return app;
}

/** Creates the relay (not listening yet). Used by main.ts and by in-process tests. */
export async function createRelayApp(config: RelayConfig, logger: AppLogger, module: unknown = AppModule.register(config, logger)): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module as never, {
    logger: new NestPinoLogger(logger),
    bodyParser: false,
    abortOnError: false,
  });
  return configureApp(app, config, logger);
}
