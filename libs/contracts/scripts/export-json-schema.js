// Writes the JSON Schema export (see src/json-schema-export.ts) where the Python package reads it.
// Run through `npm run contracts:export` (which builds the library first).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { buildJsonSchemaExport, serializeExportFile, JSON_SCHEMA_EXPORT_DIR } = require('../dist');

const outDir = path.resolve(__dirname, '..', '..', '..', JSON_SCHEMA_EXPORT_DIR);
fs.mkdirSync(outDir, { recursive: true });
for (const old of fs.readdirSync(outDir)) if (old.endsWith('.json')) fs.rmSync(path.join(outDir, old));
const files = buildJsonSchemaExport();
for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(outDir, name), serializeExportFile(content));
console.log(`Wrote ${Object.keys(files).length} files to ${path.relative(process.cwd(), outDir)}`);
