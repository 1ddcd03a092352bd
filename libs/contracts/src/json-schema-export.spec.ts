import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
});
