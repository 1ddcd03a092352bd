import { BusError, methodHasBody, parseBearer } from '@auth-bus/contracts';
import { APP_LOGGER, type AppLogger } from '@auth-bus/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { RouteForwarder } from '../bus/route-forwarder.service';
import { resolveRoute } from '../bus/route-table';
import { HttpErrorFilter } from '../common/filters/http-error.filter';
import { clientIp } from '../common/guards/client-ip';
import { OriginPolicy } from '../common/guards/origin-policy';
import { KeyedTokenBuckets } from '../common/limits/token-bucket';
import { readJsonBody } from '../common/middleware/body-limit.middleware';
import { corsDecision } from '../common/middleware/cors.middleware';
import { RELAY_CONFIG, type RelayConfig } from '../config/relay.config';

/** The gateway's paths: `/api/…` (what the contract's route table lists; anything else there is 404). */
const PREFIX = '/api/';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The HTTP compatibility gateway: `GET /api/ping`, `/api/pong`, `/api/pong-scoped` (whatever
 * the contract's route table lists) become bus requests; the `Authorization` header rides
 * along in the NATS headers and the service's reply comes back as JSON. Errors are typed
 * (status, RFC 6750 challenge, `{error}` body — HttpErrorFilter's answers).
 *
 * It is a plain Node request handler in front of NestJS's Express app (see `mount`), not a
 * controller: a CPU profile of the relay under load showed Express's router, its response
 * helpers and NestJS's route pipeline taking more of each forwarded call than the bus round
 * trip itself. Every rule of the Express path applies here as well, in the same order: CORS and
 * the origin policy, the declared body limit, the per-address request rate
 * (RELAY_HTTP_RATE_PER_SEC), then the route table, the bearer-header check and RouteForwarder's token-trial budget.
 */
@Injectable()
export class HttpGatewayHandler {
  private readonly origins: OriginPolicy;
  private readonly rate?: KeyedTokenBuckets;
  private readonly errors: HttpErrorFilter;

  constructor(
    private readonly forwarder: RouteForwarder,
    @Inject(RELAY_CONFIG) private readonly config: RelayConfig,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    this.origins = new OriginPolicy(config.allowedOrigins, { allowLoopback: config.allowLoopbackOrigins });
    if (config.http.ratePerSec > 0) this.rate = new KeyedTokenBuckets(config.http.ratePerSec, config.http.burst);
    this.errors = new HttpErrorFilter(logger);
  }

  /**
   * Puts the gateway in front of the server's other request listeners (NestJS's Express app):
   * `/api/…` requests are answered here, everything else (health, unknown paths) goes on.
   */
  mount(server: Server): void {
    const rest = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.handles(req)) {
        this.defer(req, res);
        return;
      }
      for (const listener of rest) listener.call(server, req, res);
    });
  }

  /**
   * Serves the request at the end of this turn of the event loop, together with every other
   * request that arrived in the same turn. Each bus request is written to NATS when the current
   * task ends; started one per socket callback, every request costs a write system call of its
   * own (the largest item in the relay's profile under load). Started together, the requests of
   * one turn leave in one write. The wait is the rest of the turn: microseconds.
   */
  private defer(req: IncomingMessage, res: ServerResponse): void {
    this.pending.push({ req, res });
    if (this.pending.length === 1) setImmediate(this.servePending);
  }

  private readonly pending: { req: IncomingMessage; res: ServerResponse }[] = [];

  private readonly servePending = (): void => {
    const batch = this.pending.splice(0);
    for (const { req, res } of batch) void this.serve(req, res);
  };

  /** Whether the request is the gateway's (path under `/api/`, any case, as Express routed it). */
  handles(req: IncomingMessage): boolean {
    const url = req.url ?? '';
    return url.length > PREFIX.length && url.slice(0, PREFIX.length).toLowerCase() === PREFIX;
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const method = req.method ?? 'GET';
    let cors: Record<string, string> | undefined;
    try {
      const decision = corsDecision(this.origins, method, req.headers.origin, req.headers['access-control-request-method'] as string | undefined);
      if (decision.kind === 'refused') {
        this.send(res, decision.error.status, decision.error.body, decision.error.headers);
        return;
      }
      cors = decision.headers;
      if (decision.kind === 'preflight') {
        res.writeHead(204, decision.headers);
        res.end();
        return;
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (Number.isFinite(declared) && declared > this.config.http.maxBodyBytes) {
        const { status, headers, body } = this.errors.describe(new BusError('PAYLOAD_TOO_LARGE', `Request body exceeds ${this.config.http.maxBodyBytes} bytes`), method, path);
        // The client is still sending the body: answer, then close instead of draining it.
        this.send(res, status, body, { ...cors, ...headers, Connection: 'close' });
        return;
      }
      const client = clientIp(req, this.config.trustProxy);
      if (this.rate && !this.rate.tryTake(client)) throw new BusError('RATE_LIMITED', 'Too many requests from this client; slow down');
      const route = resolveRoute(method, path, this.config.bridgeRoutes);
      const header = req.headers.authorization;
      const token = parseBearer(header);
      if (header !== undefined && token === undefined) throw BusError.unauthenticated('malformed', 'The Authorization header is not "Bearer <token>"');
      // POST, PUT, PATCH and DELETE carry a JSON object body, read within the same limit.
      const body = methodHasBody(route.method) ? await readJsonBody(req, this.config.http.maxBodyBytes) : undefined;
      const started = this.logger.isLevelEnabled('debug') ? process.hrtime.bigint() : undefined;
      const result = await this.forwarder.forward({ method, path, token, body, client });
      if (started !== undefined) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        this.logger.debug({ method, path, subject: route.subject, status: result.status, ms }, 'forwarded');
      }
      this.send(res, result.status, result.data, cors);
    } catch (err) {
      const { status, headers, body } = this.errors.describe(err, method, path);
      this.send(res, status, body, cors ? { ...cors, ...headers } : headers);
    }
  }

  /** A JSON answer, never cached (what Express's `res.status().set().json()` sent). */
  private send(res: ServerResponse, status: number, data: unknown, headers?: Record<string, string>): void {
    if (res.headersSent) return;
    const text = JSON.stringify(data) ?? '';
    const all: OutgoingHttpHeaders = { ...headers, 'Cache-Control': 'no-store', 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) };
    res.writeHead(status, all);
    res.end(text);
  }
}
