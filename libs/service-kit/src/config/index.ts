/**
 * `@auth-bus/service-kit/config`: configuration helpers with no framework behind them (cheap to
 * load, e.g. for command-line tools): env parsing, NATS settings, instance ids.
 */
export * from './env';
export * from './nats-config';
export * from './instance-id';
