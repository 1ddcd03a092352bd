import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from './errors';
import { IDEMPOTENT_SUBJECTS, NON_IDEMPOTENT_SUBJECTS } from './registry';
import { SUBJECTS } from './subjects';
import { buildJsonSchemaExport, JSON_SCHEMA_EXPORT_DIR, serializeExportFile } from './json-schema-export';

const committedDir = join(__dirname, '..', '..', '..', JSON_SCHEMA_EXPORT_DIR);

describe('JSON Schema export', () => {
  const expected = buildJsonSchemaExport();

  it('is committed with exactly the expected files', () => {
    const committed = readdirSync(committedDir).filter((f) => f.endsWith('.json')).sort();
    expect(committed).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))('%s is fresh (run `npm run contracts:export` if this fails)', (file) => {
    const committed = readFileSync(join(committedDir, file), 'utf8');
    expect(committed).toBe(serializeExportFile(expected[file]));
  });

  it('declares draft 2020-12 and forbids unknown fields on request bodies', () => {
    const verify = expected['auth.verify.request.v1.json'] as Record<string, unknown>;
    expect(verify.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(verify.additionalProperties).toBe(false);
  });

  it('lists what clients in other languages must not copy: retryable subjects, error codes', () => {
    const index = expected['index.json'] as Record<string, unknown>;
    const idempotent = index.idempotent_subjects as string[];
    // Only request-reply subjects can be retried, never a write; an event (fire and forget) never is.
    expect(idempotent).toEqual([...IDEMPOTENT_SUBJECTS].sort());
    for (const write of NON_IDEMPOTENT_SUBJECTS) expect(idempotent).not.toContain(write);
    expect(idempotent).not.toContain(SUBJECTS.auth.sessionReported);
    expect(index.error_codes).toEqual([...ERROR_CODES]);
  });
});
