/**
 * @auth-bus/service-kit — the one bus library, and what every bus process needs: configuration
 * from the environment, JSON logs without secrets, one NATS connection that never gives up, the
 * typed bus client (also alone as `@auth-bus/service-kit/client`, without NestJS), NestJS's NATS
 * transport with the contract's wire format and graceful drain, and the audit publisher.
 * `@auth-bus/contracts` only describes the bus (subjects, schemas, wire format, errors, routes).
 */
export * from './config';
export * from './logger';
export * from './inflight-tracker';
export * from './bus-connection';
export * from './client';
export * from './nest';
export * from './bus-server';
export * from './audit-publisher';
export * from './service-kit.module';
export * from './bootstrap';
