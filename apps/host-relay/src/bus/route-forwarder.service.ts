import type { Route } from '@auth-bus/contracts';
import { Injectable } from '@nestjs/common';
import { BusService } from './bus.service';
import { resolveRoute } from './route-table';

export interface ForwardRequest {
  method: string;
  path: string;
  /** Bearer token to put into the `Authorization` header of the bus request. */
  token?: string;
  body?: Record<string, unknown>;
}

export interface ForwardResult {
  route: Route;
  status: number;
  data: unknown;
}

/**
 * What both gateways do with a request: route table lookup, bus request with the caller's
 * token, the service's reply back. Failures are thrown as typed BusErrors.
 */
@Injectable()
export class RouteForwarder {
  constructor(private readonly bus: BusService) {}

  async forward(req: ForwardRequest): Promise<ForwardResult> {
    const route = resolveRoute(req.method, req.path);
    const data = await this.bus.request(route.subject, req.body ?? {}, { token: req.token });
    return { route, status: 200, data };
  }
}
