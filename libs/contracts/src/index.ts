/**
 * @auth-bus/contracts — the single source of truth for the bus.
 * Subpath entries: `@auth-bus/service-kit` (NestJS serializer, deserializer, pipe, filter)
 * and `@auth-bus/service-kit/client` (a typed request/publish client on nats.js).
 * This entry has no runtime dependency but zod, so browsers can import it too.
 */
export * from './subjects';
export * from './errors';
export * from './wire';
export * from './validate';
export * from './routes';
export * from './registry';
export * from './schemas/common';
export * from './schemas/auth';
export * from './schemas/api';
export * from './schemas/audit';
export * from './schemas/bridge';
export * from './schemas/component';
export * from './json-schema-export';
