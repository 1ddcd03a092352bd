import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusError } from './errors';
import { SCHEMAS } from './registry';
import { parseMessage } from './validate';

interface VectorFile {
  valid: unknown[];
  invalid: { why: string; value: unknown }[];
}

const VECTORS_DIR = join(__dirname, '..', 'vectors');
const load = (name: string): VectorFile => JSON.parse(readFileSync(join(VECTORS_DIR, `${name}.json`), 'utf8'));

describe('shared test vectors', () => {
  it('exist for every schema, and no vector file lacks a schema', () => {
    const files = readdirSync(VECTORS_DIR).map((f) => f.replace(/\.json$/, '')).sort();
    expect(files).toEqual(Object.keys(SCHEMAS).sort());
  });

  describe.each(Object.keys(SCHEMAS))('%s', (name) => {
    const vectors = load(name);

    it('has at least one valid and one invalid vector', () => {
      expect(vectors.valid.length).toBeGreaterThan(0);
      expect(vectors.invalid.length).toBeGreaterThan(0);
    });

    it.each(vectors.valid.map((v, i) => [i, v]))('accepts valid vector #%i', (_i, value) => {
      expect(() => parseMessage(SCHEMAS[name], value)).not.toThrow();
    });

    it.each(vectors.invalid.map((v) => [v.why, v.value]))('rejects: %s', (_why, value) => {
      let caught: unknown;
      try {
        parseMessage(SCHEMAS[name], value);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(BusError);
      expect((caught as BusError).code).toBe('INVALID_MESSAGE');
      expect((caught as BusError).status).toBe(400);
    });
  });
});
