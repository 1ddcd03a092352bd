import { BRIDGE_ROUTE_ID_PATTERN, bridgeSubject, findRoute, MAX_BODY_BYTES, type Route } from '@auth-bus/contracts';
import { ConfigError, parseBytes, parseDuration } from './env';
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

/**
 * The routes file of apps/http-bridge (BRIDGE_ROUTES_FILE), read in one place: by http-bridge,
 * which serves the routes, and by host-relay, whose gateways reach them like the built-in ones.
 */

/** How the caller's access token reaches the upstream: `Authorization: Bearer`, the article's `accesstoken` header, or not at all. */
export const TOKEN_PASSING = ['bearer', 'accesstoken', 'none'] as const;
export type TokenPassing = (typeof TOKEN_PASSING)[number];
export const BRIDGE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type BridgeMethod = (typeof BRIDGE_METHODS)[number];

/** One route of the bridge, as the service uses it. */
export interface BridgeRoute {
  id: string;
  method: BridgeMethod;
  path: string;
  /** The one URL this route calls (never anything the caller chooses). */
  upstream: URL;
  subject: string;
  /** No token needed (none is verified or forwarded): the article's `/api/ping`. */
  public: boolean;
  permission?: string;
  token: TokenPassing;
  timeoutMs: number;
  bodyLimitBytes: number;
}

export interface BridgeRoutes {
  routes: BridgeRoute[];
  /** The origins the bridge may call: exactly those of the configured upstream URLs. */
  allowedOrigins: ReadonlySet<string>;
  bySubject: ReadonlyMap<string, BridgeRoute>;
}

const duration = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  try {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms >= 1 && ms <= 120_000) return ms;
    ctx.addIssue({ code: 'custom', message: 'must be between 1ms and 120s' });
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (e.g. 5000, 5s, 500ms)` });
  }
  return z.NEVER;
});

const bytes = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  try {
    const n = typeof value === 'number' ? value : parseBytes(value);
    if (n <= MAX_BODY_BYTES) return n;
    ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_BODY_BYTES} bytes (the bus's body limit)` });
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size (e.g. 16384, 16KB)` });
  }
  return z.NEVER;
});

const upstreamUrl = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an absolute URL` });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must be http:// or https://' });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
  if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a #fragment' });
  return url;
});

const RouteEntry = z
  .object({
    id: z.string().regex(BRIDGE_ROUTE_ID_PATTERN, 'lowercase letters, digits and - (at most 63)'),
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(BRIDGE_METHODS))
      .default('GET'),
    path: z.string().regex(/^\/api\/[A-Za-z0-9._~/-]+$/, 'a path under /api/ (letters, digits, . _ ~ - /)').refine((p) => !p.endsWith('/'), 'no trailing slash'),
    upstream: upstreamUrl,
    public: z.boolean().default(false),
    permission: z.string().min(1).max(128).optional(),
    token: z.enum(TOKEN_PASSING).default('bearer'),
    timeout: duration.default(10_000),
    body_limit: bytes.default(16 * 1024),
  })
  .strict();

const RoutesFile = z.object({ routes: z.array(RouteEntry).min(1, 'at least one route') }).strict();

/**
 * Reads and checks the bridge's routes file (YAML, or JSON — JSON is YAML too). Every problem is
 * a ConfigError naming the file, the line, the entry (`routes[1] (legacy-pong)`) and the field.
 */
export function loadBridgeRoutes(file: string, variable = 'BRIDGE_ROUTES_FILE', env: NodeJS.ProcessEnv = process.env): BridgeRoutes {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseBridgeRoutes(text, file, env);
}

const ENV_REFERENCE = /\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * An `upstream` with `${NAME}` or `${NAME:-default}` replaced from the environment, so one file
 * serves every deployment (the demo's Flask API runs on a port the launcher picks). Only
 * `upstream` is expanded; a reference to an unset variable without a default is an error.
 */
function expandUpstream(value: string, env: NodeJS.ProcessEnv): { value: string; missing?: string } {
  let missing: string | undefined;
  const expanded = value.replace(ENV_REFERENCE, (_all, name: string, fallback: string | undefined) => {
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (fallback !== undefined) return fallback;
    missing ??= name;
    return '';
  });
  return { value: expanded, missing };
}

export function parseBridgeRoutes(text: string, file = 'routes file', env: NodeJS.ProcessEnv = process.env): BridgeRoutes {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const at = lines.linePos(first.pos[0]);
    throw new ConfigError(`${file}:${at.line}: not valid YAML/JSON: ${first.message.split('\n')[0]}`);
  }
  const raw: unknown = doc.toJS();
  const lineOf = (path: PropertyKey[]): number | undefined => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const where = (path: PropertyKey[]): string => {
    const line = lineOf(path);
    const index = path[0] === 'routes' && typeof path[1] === 'number' ? path[1] : undefined;
    const id = index === undefined ? undefined : ((raw as { routes?: { id?: unknown }[] })?.routes?.[index]?.id as string | undefined);
    const entry = index === undefined ? '' : ` routes[${index}]${typeof id === 'string' ? ` (${id})` : ''}`;
    const field = index === undefined ? path.join('.') : path.slice(2).join('.');
    return `${file}${line ? `:${line}` : ''}:${entry}${field ? ` ${field}` : ''}`;
  };
  const entries = (raw as { routes?: unknown })?.routes;
  if (Array.isArray(entries)) {
    entries.forEach((entry: unknown, index) => {
      if (!entry || typeof entry !== 'object' || typeof (entry as { upstream?: unknown }).upstream !== 'string') return;
      const { value, missing } = expandUpstream((entry as { upstream: string }).upstream, env);
      if (missing) throw new ConfigError(`${where(['routes', index, 'upstream'])}: \${${missing}} is not set (give a default: \${${missing}:-http://…})`);
      (entry as { upstream: string }).upstream = value;
    });
  }
  const parsed = RoutesFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${where(issue.path)}: ${issue.message}`);
  }
  const routes: BridgeRoute[] = [];
  const seen = new Map<string, number>();
  parsed.data.routes.forEach((entry, index) => {
    const here = (field: string) => where(['routes', index, field]);
    if (seen.has(`id ${entry.id}`)) throw new ConfigError(`${here('id')}: id "${entry.id}" is already used by routes[${seen.get(`id ${entry.id}`)}]`);
    const key = `${entry.method} ${entry.path}`;
    if (seen.has(key)) throw new ConfigError(`${here('path')}: ${key} is already routed by routes[${seen.get(key)}]`);
    if (entry.public && entry.permission) throw new ConfigError(`${here('permission')}: a public route cannot require a permission`);
    if (findRoute(entry.method, entry.path)) throw new ConfigError(`${here('path')}: ${key} is a built-in route of the bus`);
    seen.set(`id ${entry.id}`, index);
    seen.set(key, index);
    routes.push({
      id: entry.id,
      method: entry.method,
      path: entry.path,
      upstream: entry.upstream,
      subject: bridgeSubject(entry.id),
      public: entry.public,
      permission: entry.permission,
      token: entry.public ? 'none' : entry.token,
      timeoutMs: entry.timeout,
      bodyLimitBytes: entry.body_limit,
    });
  });
  return {
    routes,
    allowedOrigins: new Set(routes.map((r) => r.upstream.origin)),
    bySubject: new Map(routes.map((r) => [r.subject, r])),
  };
}

/** The bridge's routes as entries of the relay's route table (path → `bridge.<id>`). */
export function bridgeRouteTable(routes: BridgeRoutes): Route[] {
  return routes.routes.map((r) => ({ method: r.method, path: r.path, subject: r.subject, protected: !r.public }));
}
