import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_LOGGER, type AppLogger } from '@auth-bus/service-kit';
import { toHttpError, type HttpErrorResponse } from './error-response';

/**
 * Every HTTP error — a typed error from the bus, the gateway's own checks, or NestJS's (unknown
 * route, …) — leaves as `{ error: { code, message, reason? } }` with the contract's status.
 * The HTTP gateway's own request handler answers its errors through `describe` too.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  /** Per error code: when it was last logged and how many were not logged since (an outage must not flood the logs). */
  private readonly throttle = new Map<string, { at: number; suppressed: number }>();

  constructor(@Inject(APP_LOGGER) private readonly logger: AppLogger) {}

  /** The answer for an error, logged (server-side failures at most once per code every 5 s). */
  describe(exception: unknown, method: string | undefined, path: string): HttpErrorResponse {
    const error = toHttpError(exception);
    const { status, body } = error;
    if (status >= 500) {
      const now = Date.now();
      const seen = this.throttle.get(body.error.code);
      if (!seen || now - seen.at >= 5_000) {
        const detail = exception instanceof Error ? exception.message : String(exception);
        const suppressed = seen?.suppressed ?? 0;
        this.throttle.set(body.error.code, { at: now, suppressed: 0 });
        this.logger.warn({ method, path, status, code: body.error.code, detail, suppressed }, 'request failed');
      } else {
        seen.suppressed++;
      }
    } else if (this.logger.isLevelEnabled?.('debug') ?? true) {
      this.logger.debug({ method, path, status, code: body.error.code }, 'request refused');
    }
    return error;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const { status, headers, body } = this.describe(exception, req.method, req.path);
    if (res.headersSent) return;
    res.status(status).set(headers).set('Cache-Control', 'no-store').json(body);
  }
}
