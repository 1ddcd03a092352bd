import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ReadinessService } from './readiness.service';

@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  /** Liveness: the process serves HTTP. Says nothing about NATS or the services. */
  @Get('healthz')
  healthz(@Res() res: Response): void {
    res.status(200).set('Cache-Control', 'no-store').json({ status: 'ok' });
  }

  /** Readiness: 200 when NATS is connected and api-service and auth-service answer, else 503. */
  @Get('readyz')
  async readyz(@Res() res: Response): Promise<void> {
    const r = await this.readiness.check();
    res
      .status(r.ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: r.ready ? 'ready' : 'not_ready', ...r });
  }
}
