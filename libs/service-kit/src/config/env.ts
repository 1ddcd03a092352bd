import { existsSync, readFileSync } from 'node:fs';

/** The environment a configuration is read from (process.env by default; a plain object in tests). */
export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1500` (ms), `500ms`, `30s`, `10m`, `2h`, `30d` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!match) throw new ConfigError(`"${text}" is not a duration (e.g. 500ms, 30s, 10m, 2h, 30d)`);
  return Math.round(Number(match[1]) * DURATION_UNITS[(match[2] ?? 'ms').toLowerCase()]);
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** `1048576`, `256MB`, `1GiB` → bytes. */
export function parseBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?\s*$/i.exec(text);
  if (!match) throw new ConfigError(`"${text}" is not a size (e.g. 1048576, 256MB, 1GiB)`);
  return Math.round(Number(match[1]) * BYTE_UNITS[(match[2] ?? 'b').toLowerCase()]);
}

/**
 * Loads `KEY=VALUE` lines from a git-ignored `.env` file into `env`, without overriding what
 * the environment already sets. Returns whether the file existed.
 */
export function loadDotEnv(file: string, env: Env = process.env): boolean {
  if (!existsSync(file)) return false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trim().startsWith('#')) continue;
    const value = match[2].replace(/^(['"])(.*)\1$/, '$2');
    if (env[match[1]] === undefined) env[match[1]] = value;
  }
  return true;
}
