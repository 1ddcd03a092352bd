/**
 * `@auth-bus/service-kit/config`: configuration helpers with no framework behind them (cheap to
 * load, e.g. for command-line tools): env parsing (one zod-based way: `readEnv` with `envField`s), NATS settings, instance ids.
 */
export * from './env';
export * from './env-schema';
export * from './service-env';
export * from './nats-config';
export * from './instance-id';
export * from './bridge-routes';
