import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import type { WebSocket, WebSocketServer } from 'ws';
import { clientIp } from '../common/guards/client-ip';
import type { OriginPolicy } from '../common/guards/origin-policy';
import type { RelayConfig } from '../config/relay.config';

type VerifyInfo = { origin: string; secure: boolean; req: IncomingMessage };
type VerifyCallback = (result: boolean, code?: number, message?: string, headers?: Record<string, string>) => void;

/**
 * The `ws` adapter with the relay's handshake rules and limits: only allowed origins (others
 * get 403 before the upgrade), at most RELAY_WS_MAX_CONNECTIONS sockets (503) and
 * RELAY_WS_MAX_CONNECTIONS_PER_IP per client address (429), frames up to
 * RELAY_WS_MAX_PAYLOAD_BYTES (the library closes the socket with 1009 above it; the smaller
 * app-level limit answers a typed error instead), no compression (no zip bombs, less CPU).
 *
 * Frames are not dispatched by NestJS's `{event, data}` convention: the component protocol is
 * `{type, …}` and must answer even invalid JSON, so WsGateway hands raw frames to FrameHandler.
 */
export class RelayWsAdapter extends WsAdapter {
  /** Open sockets per client address (RELAY_WS_MAX_CONNECTIONS_PER_IP). */
  private readonly perIp = new Map<string, number>();

  constructor(
    app: INestApplicationContext,
    private readonly config: RelayConfig,
    private readonly origins: OriginPolicy,
    private readonly log: Logger,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, any> & { namespace?: string; server?: any; path?: string } = {}): any {
    let server: WebSocketServer | undefined = undefined;
    const verifyClient = (info: VerifyInfo, done: VerifyCallback): void => {
      const origin = info.req.headers.origin;
      if (!this.origins.isAllowed(origin)) {
        this.log.warn({ context: 'ws', origin: origin ?? null, ip: info.req.socket.remoteAddress }, 'websocket refused: origin not allowed');
        return done(false, 403, 'Origin not allowed');
      }
      if (server && server.clients.size >= this.config.ws.maxConnections) {
        this.log.warn({ context: 'ws', open: server.clients.size }, 'websocket refused: too many connections');
        return done(false, 503, 'Too many connections');
      }
      const ip = clientIp(info.req, this.config.trustProxy);
      if ((this.perIp.get(ip) ?? 0) >= this.config.ws.maxConnectionsPerIp) {
        this.log.warn({ context: 'ws', ip }, 'websocket refused: too many connections from this address');
        return done(false, 429, 'Too many connections from this address');
      }
      done(true);
    };
    server = super.create(port, {
      ...options,
      verifyClient,
      maxPayload: this.config.ws.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: true,
    });
    server!.on('connection', (ws: WebSocket, req: IncomingMessage) => {
      const ip = clientIp(req, this.config.trustProxy);
      this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
      ws.once('close', () => {
        const left = (this.perIp.get(ip) ?? 1) - 1;
        if (left > 0) this.perIp.set(ip, left);
        else this.perIp.delete(ip);
      });
    });
    return server;
  }

  /** Socket errors (e.g. 1009 on a frame over the hard limit) are the client's doing: warn, with no stack. */
  override bindErrorHandler(server: any): any {
    server.on('connection', (ws: any) => ws.on('error', (err: Error) => this.log.warn({ context: 'ws', error: err.message }, 'websocket error')));
    server.on('error', (err: Error) => this.log.error({ context: 'ws', error: err.message }, 'websocket server error'));
    return server;
  }

  /** NestJS's message dispatch is not used: WsGateway reads frames itself. */
  override bindMessageHandlers(_client: any, _handlers: MessageMappingProperties[], _transform: (data: any) => Observable<any>): void {
    return;
  }
}
