import { z } from 'zod';
import { ConfigError, parseBytes, parseDuration, type Env } from './env';
import { defaultInstanceId } from './instance-id';

/**
 * The one way the Node parts read their configuration: a zod object of environment variables,
 * built from the fields below, read by `readEnv`. The same strictness everywhere: an empty
 * value means "not set" (the default applies), anything else must be valid, and a bad value
 * stops the part at start with a ConfigError naming the variable (never a secret's value).
 * Used by auth-service, api-service, host-relay, dev-idp (and component-web can import it from
 * `@auth-bus/service-kit/config`, which has no dependency but zod).
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/** Parses a comma- (or, with `separator`, otherwise-) separated list, blanks dropped. */
export function splitList(value: string, separator: RegExp = /,/): string[] {
  return value
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A list of exact browser origins (`scheme://host[:port]`, a trailing slash is dropped): a
 * wildcard, a path or anything else that is not an origin is refused (never silently dropped).
 */
export function parseOrigins(value: string, protocols: readonly string[] = ['http:', 'https:']): string[] {
  const origins = splitList(value).map((o) => o.replace(/\/+$/, ''));
  for (const origin of origins) {
    if (origin.includes('*')) throw new ConfigError(`wildcards and patterns are refused ("${origin}"); list each origin exactly (scheme://host[:port])`);
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(`"${origin}" is not an origin (scheme://host[:port])`);
    }
    if (!protocols.includes(url.protocol)) throw new ConfigError(`"${origin}" must use ${protocols.map((p) => p.slice(0, -1)).join(' or ')}`);
    if (url.origin !== origin) throw new ConfigError(`"${origin}" is not an origin (expected "${url.origin}")`);
  }
  return origins;
}

function absoluteUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`must be an absolute URL (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`must be an http(s) URL (got "${raw}")`);
  return raw.trim();
}

/** A zod transform from a parser that throws (ConfigError) to an issue. */
function parsed<T>(parse: (raw: string) => T) {
  return z.string().transform((raw, ctx): T => {
    try {
      return parse(raw);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
}

function bounded(kind: 'integer' | 'number', min: number, max: number, positive = false) {
  return parsed((raw) => {
    const value = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(value) || (kind === 'integer' && !Number.isInteger(value))) {
      throw new ConfigError(`must be ${kind === 'integer' ? 'an integer' : 'a number'} (got "${raw}")`);
    }
    if (positive && value <= 0) throw new ConfigError(`must be more than 0 (got ${value})`);
    if (value < min || value > max) throw new ConfigError(`must be between ${min} and ${max} (got ${value})`);
    return value;
  });
}

/** Field builders of a configuration schema (each takes its default; absent/empty → default). */
export const envField = {
  string: (fallback: string) => z.string().trim().default(fallback),
  optionalString: () => z.string().trim().optional(),
  int: (fallback: number, { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {}) => bounded('integer', min, max).default(fallback),
  number: (fallback: number, { min = -Number.MAX_VALUE, max = Number.MAX_VALUE } = {}) => bounded('number', min, max).default(fallback),
  optionalInt: ({ min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {}) => bounded('integer', min, max).optional(),
  /** A number above 0 (rates). */
  positive: (fallback: number, { max = Number.MAX_VALUE } = {}) => bounded('number', 0, max, true).default(fallback),
  bool: (fallback: boolean) =>
    parsed((raw) => {
      const value = raw.trim().toLowerCase();
      if (TRUE.includes(value)) return true;
      if (FALSE.includes(value)) return false;
      throw new ConfigError(`must be true or false (got "${raw}")`);
    }).default(fallback),
  /** `1500` (ms), `500ms`, `30s`, `10m`, `2h`, `30d` → milliseconds. */
  duration: (fallbackMs: number) => parsed(parseDuration).default(fallbackMs),
  /** `1048576`, `256MB`, `1GiB` → bytes. */
  bytes: (fallback: number) => parsed(parseBytes).default(fallback),
  list: (fallback: string[], separator?: RegExp) => parsed((raw) => splitList(raw, separator)).default(fallback),
  origins: (fallback: string[], protocols?: readonly string[]) => parsed((raw) => parseOrigins(raw, protocols)).default(fallback),
  /** An absolute http(s) URL (no default: add `.default(…)` or `.optional()`). */
  url: () => parsed(absoluteUrl),
  /** A list of absolute http(s) URLs, separated by commas and/or spaces (no default: add one). */
  urls: () => parsed((raw) => splitList(raw, /[\s,]+/).map(absoluteUrl)),
  logLevel: () => z.enum(LOG_LEVELS).default('info'),
  /** A replica id for logs and NATS monitoring; default `<service>-<6 hex>`. */
  instanceId: (service: string) =>
    z
      .string()
      .trim()
      .max(64)
      .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"')
      .default(() => defaultInstanceId(service)),
};

/** Variables that are set to something other than blanks (an empty value means "not set"). */
export function presentVariables(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value.trim() !== '') out[key] = value;
  return out;
}

/**
 * Reads the variables of `shape` from `env`: the typed values, or a ConfigError
 * `Invalid <part> configuration: VAR: problem; …` that names every variable to change.
 */
export function readEnv<S extends z.ZodRawShape>(part: string, shape: S, env: Env): z.output<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(presentVariables(env));
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid ${part} configuration: ${problems}`);
  }
  return result.data;
}

/** One variable read the same way (the `env*` helpers of ./env are built on it). */
export function readVar<T>(env: Env, name: string, field: z.ZodType<T>): T {
  const value = env[name];
  const result = field.safeParse(value === undefined || value.trim() === '' ? undefined : value);
  if (!result.success) throw new ConfigError(`${name}: ${result.error.issues.map((i) => i.message).join('; ')}`);
  return result.data;
}

export function envString(env: Env, name: string, fallback: string): string {
  return readVar(env, name, envField.string(fallback));
}

export function envInt(env: Env, name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
  return readVar(env, name, envField.int(fallback, range));
}

export function envBool(env: Env, name: string, fallback: boolean): boolean {
  return readVar(env, name, envField.bool(fallback));
}

export function envList(env: Env, name: string, fallback: string[]): string[] {
  return readVar(env, name, envField.list(fallback));
}

export function envDuration(env: Env, name: string, fallbackMs: number): number {
  return readVar(env, name, envField.duration(fallbackMs));
}

export function envBytes(env: Env, name: string, fallback: number): number {
  return readVar(env, name, envField.bytes(fallback));
}
