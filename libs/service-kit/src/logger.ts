import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';

export type AppLogger = Logger;

const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const BEARER_PATTERN = /(bearer\s+)[^\s"',]+/gi;

/** Removes anything that looks like a JWT or a bearer credential from a log text. */
export function scrubSecrets(text: string): string {
  return text.replace(JWT_PATTERN, '[redacted-jwt]').replace(BEARER_PATTERN, '$1[redacted]');
}

/** Keys whose values never reach a log line, wherever they appear (one level deep). */
const REDACT_PATHS = [
  'token',
  'accessToken',
  'idToken',
  'authorization',
  'Authorization',
  'password',
  'pass',
  'headers.authorization',
  'headers.Authorization',
  '*.token',
  '*.authorization',
  '*.Authorization',
  '*.password',
  '*.pass',
];

export interface LoggerOptions {
  service: string;
  instance: string;
  level?: string;
  destination?: DestinationStream;
}

/**
 * One JSON object per line on stdout: time, level, service, instance, msg, context. Credentials
 * are redacted by key, and JWT-shaped strings are scrubbed from messages and errors.
 */
export function createLogger({ service, instance, level = 'info', destination }: LoggerOptions): AppLogger {
  return pino(
    {
      level,
      base: { service, instance },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        // `err` may be anything a caller threw (a string, a plain object): never let logging crash.
        err: (err: unknown) => {
          if (!(err instanceof Error)) return { type: typeof err, message: scrubSecrets(String(err)) };
          const out = pino.stdSerializers.err(err);
          out.message = scrubSecrets(out.message ?? '');
          if (out.stack) out.stack = scrubSecrets(out.stack);
          return out;
        },
      },
      hooks: {
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = scrubSecrets(args[i] as string);
          method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** NestJS's LoggerService on top of pino, so framework messages are JSON lines too. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const params = [...rest];
    const context = params.length && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const stack = params.find((p): p is string => typeof p === 'string' && /\n\s+at /.test(p));
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ context, ...(message as Record<string, unknown>) });
    } else {
      this.logger[level]({ context, ...(stack ? { stack: scrubSecrets(stack) } : {}) }, String(message));
    }
  }
}
