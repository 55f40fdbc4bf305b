// Writes schema/flow.schema.json, docs/flow-reference.md and the README's reference section from the zod schema.
// Run after changing the schema: `npm run schema` (the schema-drift test tells you when).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  embedReference,
  flowJsonSchemaText,
  flowReferenceMarkdown,
  README_FILE,
  REFERENCE_FILE,
  SCHEMA_FILE,
} from '../src/flow/reference.js';
import { embedGenerated } from '../src/docs/readme.js';
import { SCENARIO_SCHEMA_FILE, scenarioJsonSchemaText } from '../src/sandbox/scenario.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const [file, text] of [
  [SCHEMA_FILE, flowJsonSchemaText()],
  [REFERENCE_FILE, flowReferenceMarkdown()],
  [SCENARIO_SCHEMA_FILE, scenarioJsonSchemaText()],
] as const) {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
  console.log(`wrote ${file}`);
}
writeFileSync(join(root, README_FILE), embedGenerated(embedReference(readFileSync(join(root, README_FILE), 'utf8'))));
console.log(`wrote ${README_FILE} (configuration reference and generated tables)`);
