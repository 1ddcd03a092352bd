import { MAX_BODY_BYTES } from '@auth-bus/contracts';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './stack';

/** `FAULTS_LONG=1` (npm run test:faults) multiplies every fuzzer's runs. */
export const LONG = !!process.env.FAULTS_LONG;
export const runs = (normal: number, long: number): number => Number(process.env.FAULTS_FUZZ_RUNS ?? (LONG ? long : normal));

/** The shared contract vectors (libs/contracts/vectors/<schema>.json). */
export function vectors(schema: string): { valid: unknown[]; invalid: unknown[] } {
  const raw = JSON.parse(readFileSync(join(REPO_ROOT, 'libs', 'contracts', 'vectors', `${schema}.json`), 'utf8'));
  return { valid: raw.valid ?? [], invalid: (raw.invalid ?? []).map((i: { value: unknown }) => i.value) };
}

type Json = unknown;
type Path = Array<string | number>;

function paths(value: Json, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

/** Values worth putting anywhere: types that break schemas, and strings that break parsers. */
export const nastyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<Json>(
    null,
    '',
    ' ',
    '\u0000',
    '\r\nBus-Error: true',
    '../../etc/passwd',
    '%00',
    '<script>alert(1)</script>',
    '${jndi:ldap://x}',
    'a'.repeat(300),
    'é'.repeat(70),
    '\ud83d\ude00',
    -1,
    0,
    -0,
    1e308,
    2 ** 53 + 1,
    1.5,
    true,
    [],
    {},
    JSON.parse('{"__proto__":{"polluted":true}}'),
    { constructor: { prototype: { polluted: true } } },
    '1970-01-01T00:00:00Z',
    '2026-13-45T25:61:61Z',
  ),
);

/** A valid value with one random change: a field replaced, deleted, added, or wrapped. */
export function mutated(valid: Json[]): fc.Arbitrary<Json> {
  return fc
    .tuple(fc.constantFrom(...valid), fc.nat(), fc.constantFrom('replace', 'delete', 'add', 'wrap', 'stringify'), nastyValue, fc.string({ maxLength: 12 }))
    .map(([seed, pick, op, value, key]) => {
      const root = clone(seed) as any;
      const all = paths(root);
      const path = all[pick % all.length];
      if (path.length === 0) {
        if (op === 'replace') return value;
        if (op === 'wrap') return [root];
        if (op === 'stringify') return JSON.stringify(root);
        if (op === 'add' && root && typeof root === 'object' && !Array.isArray(root)) return { ...root, [key || 'extra']: value };
        return root;
      }
      const parent = path.slice(0, -1).reduce((node, step) => node[step], root);
      const last = path[path.length - 1];
      if (op === 'replace') parent[last] = value;
      else if (op === 'delete') {
        if (Array.isArray(parent)) parent.splice(last as number, 1);
        else delete parent[last];
      } else if (op === 'wrap') parent[last] = [parent[last]];
      else if (op === 'stringify') parent[last] = JSON.stringify(parent[last]);
      else if (parent[last] && typeof parent[last] === 'object' && !Array.isArray(parent[last])) parent[last][key || 'extra'] = value;
      else parent[key || 'extra'] = value;
      return root;
    });
}

const enc = new TextEncoder();

/** Bodies that are not one JSON value as the wire format wants it. */
export const EDGE_BODIES: Array<[string, Uint8Array]> = [
  ['empty', new Uint8Array()],
  ['null', enc.encode('null')],
  ['array', enc.encode('[]')],
  ['string', enc.encode('"hello"')],
  ['number', enc.encode('42')],
  ['truncated', enc.encode('{"session_id":')],
  ['trailing garbage', enc.encode('{} {}')],
  ['BOM', enc.encode('\ufeff{}')],
  ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
  ['NUL bytes', new Uint8Array([0, 0, 0, 0])],
  ['duplicate keys', enc.encode('{"limit":1,"limit":100000}')],
  ['__proto__', enc.encode('{"__proto__":{"polluted":true}}')],
  ['deep nesting', enc.encode(`${'['.repeat(20_000)}${']'.repeat(20_000)}`)],
  ['deep objects', enc.encode(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`)],
  ['huge number', enc.encode('{"limit":1e400}')],
  ['over the body limit', enc.encode(JSON.stringify({ caller: 'x'.repeat(MAX_BODY_BYTES) }))],
  ['just over the limit', new Uint8Array(MAX_BODY_BYTES + 1).fill(0x20)],
];

/**
 * A raw body for a subject: random bytes, random JSON, the contract's invalid vectors, and
 * mutations of its valid vectors (the most likely to get near a handler). `replace` sets fields
 * the valid vectors already have (e.g. a traceable session id).
 */
export function rawBody(schema: string, replace: Record<string, unknown> = {}): fc.Arbitrary<{ kind: string; data: Uint8Array }> {
  const v = vectors(schema);
  // Fields the caller wants to trace (e.g. a session id placeholder) replace the vectors' own.
  v.valid = v.valid.map((value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).map(([k, x]) => [k, k in replace ? replace[k] : x]))
      : value,
  );
  const json = (kind: string) => (value: Json) => ({ kind, data: enc.encode(JSON.stringify(value) ?? 'null') });
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((data) => ({ kind: 'random bytes', data })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json('random JSON')) },
    { weight: 1, arbitrary: fc.constantFrom(...(v.invalid.length ? v.invalid : [{}])).map(json('invalid vector')) },
    { weight: 1, arbitrary: fc.constantFrom(...v.valid).map(json('valid vector')) },
    { weight: 5, arbitrary: mutated(v.valid).map(json('mutated vector')) },
    { weight: 1, arbitrary: fc.constantFrom(...EDGE_BODIES).map(([kind, data]) => ({ kind: `edge: ${kind}`, data })) },
  );
}

/** Printable-ASCII strings a header value may hold (nats.js refuses CR/LF itself). */
export const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,80}$/);
