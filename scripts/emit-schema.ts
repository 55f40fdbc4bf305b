// Writes schema/flow.schema.json and docs/flow-reference.md from the zod schema (src/flow/schema.ts).
// Run after changing the schema: `npx tsx scripts/emit-schema.ts` (the schema-drift test tells you when).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowJsonSchemaText, flowReferenceMarkdown, REFERENCE_FILE, SCHEMA_FILE } from '../src/flow/reference.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const [file, text] of [
  [SCHEMA_FILE, flowJsonSchemaText()],
  [REFERENCE_FILE, flowReferenceMarkdown()],
] as const) {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
  console.log(`wrote ${file}`);
}
