import { MAX_BODY_BYTES, type Route } from '@auth-bus/contracts';
import { bridgeRouteTable, ConfigError, deploymentMode, envField, loadBridgeRoutes, natsConfigFromEnv, parseOrigins, readEnv, type NatsConfig } from '@auth-bus/service-kit/config';
import { resolve } from 'node:path';

/**
 * host-relay configuration: every variable, its default and what it does. All come from the
 * environment (see `apps/host-relay/.env.sample`); an invalid value stops the relay at startup
 * with a message naming the variable (never its value).
 */

/**
 * Default browser origins in development: the Streamlit app (:4010) and component-web (:3001),
 * by name and by IP. (Development also accepts any local `http://localhost:<port>`, see
 * `allowLoopbackOrigins`; production mode has no default and needs an explicit list.)
 */
export const DEFAULT_ALLOWED_ORIGINS = [
  'http://localhost:4010',
  'http://localhost:3001',
  'http://127.0.0.1:4010',
  'http://127.0.0.1:3001',
];

const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) => envField.int(fallback, { min, max });

/** Every variable (read with service-kit's `readEnv`: empty = unset, a bad value names the variable). */
const ENV = {
  // ---- mode ----------------------------------------------------------------------------
  /**
   * `production` turns on production mode; `development` (or unset) is development; any other
   * value is refused (a typo must not silently mean development). In
   * production the relay refuses to start without an explicit RELAY_ALLOWED_ORIGINS, with a
   * wildcard in it, or with a development NATS password; the local-origin convenience of
   * development (any `http://localhost:<port>`) is off.
   */
  AUTH_BUS_ENV: envField.optionalString(),

  // ---- listener ------------------------------------------------------------------------
  /** TCP port for HTTP and the WebSocket (`/ws`). `PORT` is accepted as a fallback. */
  RELAY_PORT: int(8888, 0, 65535),
  /** Interface to bind; `0.0.0.0` in containers, `127.0.0.1` to keep it local. */
  RELAY_HOST: envField.string('0.0.0.0'),
  /**
   * Browser origins allowed to open the WebSocket and to pass CORS, comma-separated, exact
   * match (`scheme://host[:port]`); no wildcards or patterns. Requests from any other origin
   * are refused with 403. Development (no AUTH_BUS_ENV=production) also accepts every local
   * app: `http://localhost:<any port>`, `http://127.0.0.1:<any port>`, `http://[::1]:<any port>`
   * (e.g. your own `streamlit run` on :8501), and defaults to DEFAULT_ALLOWED_ORIGINS.
   * Production mode has no default: list the origins of your Streamlit app and component-web.
   */
  RELAY_ALLOWED_ORIGINS: envField.optionalString(),
  /** Express `trust proxy` setting: set to `true` (or a hop count) behind a reverse proxy so rate limits see the client IP. */
  RELAY_TRUST_PROXY: envField.string('false'),

  // ---- NATS (read by natsConfigFromEnv from @auth-bus/service-kit, like the services) ----
  // NATS_URL       server URL(s), comma-separated (default nats://127.0.0.1:$NATS_PORT, port 4222)
  // NATS_USER      the relay's NATS user (default host-relay; permissions in infra/nats/nats.conf)
  // NATS_PASSWORD  its password (default NATS_HOST_RELAY_PASSWORD, then the development value
  //                from infra/nats/nats.env.sample)
  /** This replica's name in logs and in NATS monitoring (`host-relay:<instance>`); default `host-relay-<random>`. */
  INSTANCE_ID: envField.instanceId('host-relay'),
  /** Deadline of every bus request made for a browser or HTTP client; after it the caller gets TIMEOUT (504). */
  RELAY_REQUEST_TIMEOUT_MS: int(3000, 50, 60_000),

  // ---- WebSocket limits ----------------------------------------------------------------
  /** Largest frame the relay reads; bigger frames get a PAYLOAD_TOO_LARGE error frame and the socket stays open. */
  RELAY_MAX_FRAME_BYTES: int(MAX_BODY_BYTES, 256, 16 * 1024 * 1024),
  /** Hard ceiling enforced by the WebSocket library: a frame above it closes the socket (1009). Must be ≥ RELAY_MAX_FRAME_BYTES. */
  RELAY_WS_MAX_PAYLOAD_BYTES: int(256 * 1024, 256, 64 * 1024 * 1024),
  /** Sustained frames per second allowed per connection (token bucket); excess frames get RATE_LIMITED. */
  RELAY_WS_RATE_PER_SEC: envField.positive(20),
  /** Burst size of that bucket (frames that may arrive at once). */
  RELAY_WS_BURST: int(40, 1),
  /** Web requests one connection may have waiting on the bus at the same time; more get RATE_LIMITED. */
  RELAY_WS_MAX_IN_FLIGHT: int(8, 1),
  /** Interval of WebSocket pings; a socket that has not answered the previous ping is dropped. */
  RELAY_WS_HEARTBEAT_MS: int(30_000, 100),
  /** Time a new socket has to send `hello` before it is closed (4408). */
  RELAY_WS_HELLO_TIMEOUT_MS: int(10_000, 100),
  /** Open WebSockets the relay accepts in total; further handshakes get 503. */
  RELAY_WS_MAX_CONNECTIONS: int(1000, 1),
  /** Open WebSockets accepted from one client address (see RELAY_TRUST_PROXY); further handshakes get 429. */
  RELAY_WS_MAX_CONNECTIONS_PER_IP: int(100, 1),
  /** A client that leaves this many bytes unread in its send buffer is disconnected (it is not reading). */
  RELAY_WS_MAX_BUFFERED_BYTES: int(1024 * 1024, 1024),

  // ---- session reports (what reaches auth-service and the audit trail) -------------------
  // Every `session.reported` / `session.ended` the relay publishes becomes one audit event, and
  // anyone can open a socket (Origin is trivially forged outside a browser). So, before anything
  // is published: a reported token that is not even shaped like a JWT is refused as
  // UNAUTHENTICATED/malformed, and each client address (see RELAY_TRUST_PROXY) has ONE token
  // bucket shared by all its sockets. Each published session event takes a token; without one
  // the frame gets RATE_LIMITED and nothing is published. With the defaults one address can
  // cause at most 10 + 6 per minute audit events (≈ 8,650 a day) however many sockets it opens.
  // Repeating a login (token) already reported from the same address within
  // RELAY_SESSION_REPEAT_WINDOW_MS (a page change, a reconnect, a reload) is acknowledged without
  // publishing or taking a token.
  /** Session events one address may publish at once (bucket size). */
  RELAY_SESSION_REPORT_BURST: int(10, 1, 10_000),
  /** Sustained session events per minute per address (refill rate of that bucket). */
  RELAY_SESSION_REPORTS_PER_MINUTE: envField.positive(6, { max: 600_000 }),
  /** How long a published login (token) counts as known for its address (repeats are free and not re-published). */
  RELAY_SESSION_REPEAT_WINDOW_MS: int(600_000, 0, 86_400_000),

  // ---- token trials on protected routes (each refused call is an api.denied audit event) ----
  // A call to a protected route (HTTP gateway or WebSocket web.request) with a token that is not
  // shaped like a JWT is refused as UNAUTHENTICATED/malformed and not forwarded. A token the
  // services have not accepted recently from the same client address — or no token at all —
  // takes a trial from that address's token bucket before it is forwarded; the trial is given
  // back when the service accepts the token (which is then known and free for
  // RELAY_AUTH_KNOWN_TOKEN_MS) or the call fails for another reason. Without a trial the call
  // gets RATE_LIMITED (429) and reaches nothing. With the defaults one address can cause at most
  // 20 + 10 per minute refused-token audit events (≈ 14,400 a day); a real client with a valid
  // token is charged once and then never limited by this.
  /** Unverified tokens one address may have checked at once (bucket size). */
  RELAY_AUTH_TRIAL_BURST: int(20, 1, 100_000),
  /** Sustained unverified tokens (or token-less protected calls) per minute per address. */
  RELAY_AUTH_TRIALS_PER_MINUTE: envField.positive(10, { max: 6_000_000 }),
  /** How long a token the services accepted stays known (free) for the address that sent it. */
  RELAY_AUTH_KNOWN_TOKEN_MS: int(600_000, 0, 86_400_000),

  // ---- HTTP limits ---------------------------------------------------------------------
  /** Largest HTTP request body; bigger bodies get 413 PAYLOAD_TOO_LARGE. */
  RELAY_HTTP_MAX_BODY_BYTES: int(MAX_BODY_BYTES, 0, 16 * 1024 * 1024),
  /** Sustained HTTP requests per second per client IP (token bucket) on the gateway routes; 0 turns the limit off. */
  RELAY_HTTP_RATE_PER_SEC: envField.number(200, { min: 0 }),
  /** Burst size of that bucket. */
  RELAY_HTTP_BURST: int(400, 1),

  // ---- health --------------------------------------------------------------------------
  /** Deadline of each probe request made by `/readyz`. */
  RELAY_READY_TIMEOUT_MS: int(1000, 50, 30_000),
  /** How long a `/readyz` result is reused, so that frequent probes do not load the services. */
  RELAY_READY_CACHE_MS: int(2000, 0, 60_000),

  // ---- logs ----------------------------------------------------------------------------
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  LOG_LEVEL: envField.logLevel(),
};

export interface RelayConfig {
  /** AUTH_BUS_ENV=production. */
  production: boolean;
  port: number;
  host: string;
  allowedOrigins: string[];
  /** Development only: any http://localhost|127.0.0.1|[::1]:<port> origin is allowed too. */
  allowLoopbackOrigins: boolean;
  trustProxy: boolean | number;
  instance: string;
  nats: NatsConfig;
  requestTimeoutMs: number;
  ws: {
    maxFrameBytes: number;
    maxPayloadBytes: number;
    ratePerSec: number;
    burst: number;
    maxInFlight: number;
    heartbeatMs: number;
    helloTimeoutMs: number;
    maxConnections: number;
    maxConnectionsPerIp: number;
    maxBufferedBytes: number;
  };
  sessionReports: { burst: number; perMinute: number; repeatWindowMs: number };
  tokenTrials: { burst: number; perMinute: number; knownWindowMs: number };
  http: { maxBodyBytes: number; ratePerSec: number; burst: number };
  ready: { timeoutMs: number; cacheMs: number };
  logLevel: string;
  /**
   * BRIDGE_ROUTES_FILE (optional; the same file http-bridge serves): its routes join the route
   * table of both gateways, each to its `bridge.<id>` subject. Unset: the built-in routes only.
   */
  bridgeRoutes: Route[];
}

/** Injection token of the loaded configuration. */
export const RELAY_CONFIG = Symbol('RELAY_CONFIG');

function parseTrustProxy(value: string): boolean | number {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  const hops = Number(value);
  if (Number.isInteger(hops) && hops >= 0) return hops;
  throw new ConfigError('Invalid host-relay configuration: RELAY_TRUST_PROXY: expected true, false or a hop count');
}

/** AUTH_BUS_ENV=production (service-kit's one rule for every part: `development` or `production`, any case; anything else is refused). */
export function isProductionMode(env: NodeJS.ProcessEnv): boolean {
  return deploymentMode(env) === 'production';
}

/** Reads and checks the configuration from an environment (by default `process.env`). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const source = { ...env };
  if (source.RELAY_PORT === undefined && source.PORT !== undefined) source.RELAY_PORT = source.PORT;
  const e = readEnv('host-relay', ENV, source);
  const invalid = (message: string) => new ConfigError(`Invalid host-relay configuration: ${message}`);
  if (e.RELAY_WS_MAX_PAYLOAD_BYTES < e.RELAY_MAX_FRAME_BYTES) {
    throw invalid('RELAY_WS_MAX_PAYLOAD_BYTES must be at least RELAY_MAX_FRAME_BYTES');
  }
  const production = isProductionMode(source);
  if (production && e.RELAY_ALLOWED_ORIGINS === undefined) {
    throw invalid('RELAY_ALLOWED_ORIGINS: production mode (AUTH_BUS_ENV=production) needs the browser origins listed explicitly (comma-separated scheme://host[:port])');
  }
  let allowedOrigins: string[];
  try {
    allowedOrigins = parseOrigins(e.RELAY_ALLOWED_ORIGINS ?? DEFAULT_ALLOWED_ORIGINS.join(','));
  } catch (err) {
    throw invalid(`RELAY_ALLOWED_ORIGINS: ${(err as Error).message}`);
  }
  if (production && allowedOrigins.length === 0) throw invalid('RELAY_ALLOWED_ORIGINS: production mode needs at least one origin');
  // natsConfigFromEnv refuses a development (or empty) password in production, naming the variable.
  const nats = natsConfigFromEnv(source, 'host-relay');
  return {
    production,
    port: e.RELAY_PORT,
    host: e.RELAY_HOST,
    allowedOrigins,
    allowLoopbackOrigins: !production,
    trustProxy: parseTrustProxy(e.RELAY_TRUST_PROXY),
    instance: e.INSTANCE_ID,
    nats,
    requestTimeoutMs: e.RELAY_REQUEST_TIMEOUT_MS,
    ws: {
      maxFrameBytes: e.RELAY_MAX_FRAME_BYTES,
      maxPayloadBytes: e.RELAY_WS_MAX_PAYLOAD_BYTES,
      ratePerSec: e.RELAY_WS_RATE_PER_SEC,
      burst: e.RELAY_WS_BURST,
      maxInFlight: e.RELAY_WS_MAX_IN_FLIGHT,
      heartbeatMs: e.RELAY_WS_HEARTBEAT_MS,
      helloTimeoutMs: e.RELAY_WS_HELLO_TIMEOUT_MS,
      maxConnections: e.RELAY_WS_MAX_CONNECTIONS,
      maxConnectionsPerIp: e.RELAY_WS_MAX_CONNECTIONS_PER_IP,
      maxBufferedBytes: e.RELAY_WS_MAX_BUFFERED_BYTES,
    },
    sessionReports: {
      burst: e.RELAY_SESSION_REPORT_BURST,
      perMinute: e.RELAY_SESSION_REPORTS_PER_MINUTE,
      repeatWindowMs: e.RELAY_SESSION_REPEAT_WINDOW_MS,
    },
    tokenTrials: {
      burst: e.RELAY_AUTH_TRIAL_BURST,
      perMinute: e.RELAY_AUTH_TRIALS_PER_MINUTE,
      knownWindowMs: e.RELAY_AUTH_KNOWN_TOKEN_MS,
    },
    http: { maxBodyBytes: e.RELAY_HTTP_MAX_BODY_BYTES, ratePerSec: e.RELAY_HTTP_RATE_PER_SEC, burst: e.RELAY_HTTP_BURST },
    ready: { timeoutMs: e.RELAY_READY_TIMEOUT_MS, cacheMs: e.RELAY_READY_CACHE_MS },
    logLevel: e.LOG_LEVEL,
    bridgeRoutes: source.BRIDGE_ROUTES_FILE ? bridgeRouteTable(loadBridgeRoutes(resolve(source.BRIDGE_ROUTES_FILE))) : [],
  };
}
