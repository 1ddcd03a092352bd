import { Inject, type BeforeApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { clientIp } from '../common/guards/client-ip';
import { RELAY_CONFIG, type RelayConfig } from '../config/relay.config';
import { CLOSE_GOING_AWAY, FrameHandler } from './frame-handler.service';

/** The path of the component WebSocket. */
export const WS_PATH = '/ws';

/**
 * `/ws` on the relay's HTTP port. Handshake checks (origin, connection cap, max payload) are
 * in RelayWsAdapter; each frame goes to FrameHandler; a heartbeat drops dead sockets.
 */
@WebSocketGateway({ path: WS_PATH })
export class WsGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy, BeforeApplicationShutdown {
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly frames: FrameHandler,
    @Inject(RELAY_CONFIG) private readonly config: RelayConfig,
  ) {}

  afterInit(_server: WebSocketServer): void {
    this.heartbeat = setInterval(() => this.frames.heartbeat(), this.config.ws.heartbeatMs);
    this.heartbeat.unref();
  }

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    const conn = this.frames.open(socket, { origin: req.headers.origin, ip: clientIp(req, this.config.trustProxy) });
    socket.on('message', (data, isBinary) => this.frames.handle(conn, data, isBinary));
    socket.on('pong', () => this.frames.pong(conn));
    socket.on('close', (code) => this.frames.closed(conn, code));
  }

  /** On shutdown, says goodbye (1001) so that components reconnect at once to another replica. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.frames.closeAll(CLOSE_GOING_AWAY, 'relay shutting down', 1_000);
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
  }
}
