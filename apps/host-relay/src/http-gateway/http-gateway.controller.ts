import { BusError, parseBearer } from '@auth-bus/contracts';
import { All, Controller, Inject, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RouteForwarder } from '../bus/route-forwarder.service';
import { HttpRateLimitGuard } from '../common/guards/http-rate-limit.guard';
import { APP_LOGGER, type AppLogger } from '@auth-bus/service-kit';
import { readJsonBody } from '../common/middleware/body-limit.middleware';
import { RELAY_CONFIG, type RelayConfig } from '../config/relay.config';
import { resolveRoute } from '../bus/route-table';

/**
 * The HTTP compatibility gateway: `GET /api/ping`, `/api/pong`, `/api/pong-scoped` (whatever
 * the contract's route table lists) become bus requests; the `Authorization` header rides
 * along in the NATS headers and the service's reply comes back as JSON. Errors are typed
 * (HttpErrorFilter turns them into status + `{error}` body).
 */
@Controller('api')
@UseGuards(HttpRateLimitGuard)
export class HttpGatewayController {
  constructor(
    private readonly forwarder: RouteForwarder,
    @Inject(RELAY_CONFIG) private readonly config: RelayConfig,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  @All('*path')
  async forward(@Req() req: Request, @Res() res: Response): Promise<void> {
    const path = req.path;
    const route = resolveRoute(req.method, path);
    const header = req.headers.authorization;
    const token = parseBearer(header);
    if (header !== undefined && token === undefined) throw BusError.unauthenticated('malformed', 'The Authorization header is not "Bearer <token>"');
    const body = route.method === 'POST' ? await readJsonBody(req, this.config.http.maxBodyBytes) : undefined;
    const started = process.hrtime.bigint();
    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const result = await this.forwarder.forward({ method: req.method, path, token, body, client });
    if (this.logger.isLevelEnabled('debug')) {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      this.logger.debug({ method: req.method, path, subject: route.subject, status: result.status, ms }, 'forwarded');
    }
    res.status(result.status).set('Cache-Control', 'no-store').json(result.data);
  }
}
