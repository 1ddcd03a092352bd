/**
 * @auth-bus/service-kit — what every bus service process needs: configuration from the
 * environment, JSON logs without secrets, one NATS connection that never gives up, NestJS's NATS
 * transport with graceful drain, and the audit publisher. auth-service and api-service use it;
 * host-relay can reuse the connection, logger, config and audit parts.
 */
export * from './config';
export * from './logger';
export * from './inflight-tracker';
export * from './bus-connection';
export * from './bus-server';
export * from './audit-publisher';
export * from './service-kit.module';
export * from './bootstrap';
