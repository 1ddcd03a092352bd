import type { DynamicModule, INestMicroservice, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BusConnection } from './bus-connection';
import { BusServer } from './bus-server';
import { BusExceptionFilter } from './nest/bus-exception.filter';
import { createLogger, NestPinoLogger, type AppLogger } from './logger';
import { loadDotEnv } from './config/env';
import type { NatsConfig } from './config/nats-config';
import type { ServiceRuntime } from './service-kit.module';

export interface BusServiceOptions {
  service: string;
  instance: string;
  nats: NatsConfig;
  /**
   * A second NATS user for audit events and the AUDIT stream (auth-service: `audit-writer`);
   * without it they go through `nats`'s connection.
   */
  auditNats?: NatsConfig;
  /** Queue group every replica joins (QUEUE_GROUPS from the contracts). */
  queue?: string;
  logger: AppLogger;
  /** The root module, built with the runtime (import ServiceKitModule.forRoot(runtime) in it). */
  module: (runtime: ServiceRuntime) => Type<unknown> | DynamicModule;
  /** Longest wait for in-flight messages on SIGTERM/SIGINT before closing anyway (ms). */
  drainTimeoutMs?: number;
  /** Install SIGTERM/SIGINT handlers (default true). */
  handleSignals?: boolean;
}

/** A bus service started by `startBusService`. */
export interface RunningBusService {
  app: INestMicroservice;
  server: BusServer;
  runtime: ServiceRuntime;
  /** Graceful stop: leave the queue group, finish in-flight work, flush, close. */
  shutdown(reason: string): Promise<void>;
}

/**
 * Starts a NestJS microservice on the bus. Returns at once with the app created; subscriptions
 * are made as soon as NATS is reachable (the process may start before NATS). On SIGTERM or
 * SIGINT: stop receiving (queue group peers take over), finish what is in flight, run the
 * shutdown hooks (audit flush), close the connection, exit 0. A second signal exits at once.
 */
export async function startBusService(options: BusServiceOptions): Promise<RunningBusService> {
  const { service, instance, logger } = options;
  const name = `${service}:${instance}`;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const bus = new BusConnection({
    servers: options.nats.servers,
    user: options.nats.user,
    pass: options.nats.pass,
    inboxPrefix: options.nats.inboxPrefix,
    name,
    logger,
    onUnexpectedClose: () => process.exit(1),
  });
  const auditBus = options.auditNats
    ? new BusConnection({
        servers: options.auditNats.servers,
        user: options.auditNats.user,
        pass: options.auditNats.pass,
        inboxPrefix: options.auditNats.inboxPrefix,
        name: `${name}:audit`,
        logger: logger.child({ connection: 'audit' }),
        onUnexpectedClose: () => process.exit(1),
      })
    : bus;
  const runtime: ServiceRuntime = { service, instance, bus, auditBus, logger };
  const server = new BusServer(bus, logger, { queue: options.queue });

  const app = await NestFactory.createMicroservice(options.module(runtime), {
    strategy: server,
    logger: new NestPinoLogger(logger),
  });
  app.useGlobalFilters(new BusExceptionFilter());

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) =>
    (stopping ??= (async () => {
      logger.info({ reason, inFlight: server.inFlight }, 'draining');
      const drained = await server.drain(drainTimeoutMs);
      if (!drained) logger.warn({ inFlight: server.inFlight }, 'drain deadline passed with messages in flight');
      await app.close();
      if (auditBus !== bus) await auditBus.close();
      await bus.close();
      logger.info({ reason }, 'stopped');
    })());

  if (options.handleSignals !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        if (stopping) {
          logger.warn({ signal }, 'second signal; exiting now');
          process.exit(1);
        }
        const deadline = setTimeout(() => {
          logger.error('shutdown took too long; exiting');
          process.exit(1);
        }, drainTimeoutMs + 10_000);
        deadline.unref();
        shutdown(signal).then(
          () => process.exit(0),
          (err) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  }

  bus.start().catch(() => undefined);
  if (auditBus !== bus) auditBus.start().catch(() => undefined);
  app.listen().then(
    () => logger.info({ name, queue: options.queue }, 'listening on the bus'),
    (err) => {
      logger.fatal({ err }, 'could not start listening');
      process.exit(1);
    },
  );
  return { app, server, runtime, shutdown };
}

/** What a service's configuration must provide for `runBusServiceMain`. */
export interface BusServiceConfig {
  service: string;
  instance: string;
  logLevel: string;
  nats: NatsConfig;
  auditNats?: NatsConfig;
  drainTimeoutMs?: number;
  auth?: { issuer: string; audience: string | string[] };
}

/**
 * A service's whole `main`: load its `.env`, read and validate its configuration (exit 2 with a
 * clear message when invalid), log the start, and run it on the bus (exit 1 if it cannot start).
 */
export function runBusServiceMain<C extends BusServiceConfig>(options: {
  name: string;
  envFile: string;
  loadConfig: () => C;
  queue: string;
  module: (config: C, runtime: ServiceRuntime) => Type<unknown> | DynamicModule;
}): void {
  const start = async () => {
    loadDotEnv(options.envFile);
    let config: C;
    try {
      config = options.loadConfig();
    } catch (err) {
      console.error(`${options.name}: invalid configuration: ${(err as Error).message}`);
      process.exit(2);
    }
    const logger = createLogger({ service: config.service, instance: config.instance, level: config.logLevel as never });
    logger.info({ nats: config.nats.servers, issuer: config.auth?.issuer, audience: config.auth?.audience }, 'starting');
    await startBusService({
      service: config.service,
      instance: config.instance,
      nats: config.nats,
      auditNats: config.auditNats,
      queue: options.queue,
      logger,
      drainTimeoutMs: config.drainTimeoutMs,
      module: (runtime) => options.module(config, runtime),
    });
  };
  start().catch((err) => {
    console.error(`${options.name} failed to start: ${(err as Error)?.stack ?? err}`);
    process.exit(1);
  });
}
