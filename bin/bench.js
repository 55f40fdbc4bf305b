#!/usr/bin/env node
// `npm run bench -- <name>`: runs bench/<name>.ts, whose default export returns the figures. Prints them, writes
// bench-results/<name>.json, and prints that JSON object as the last line (what CI and the acceptance check read).
import { register } from 'tsx/esm/api';
import { mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

register();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];
const known = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
if (!name || !known.includes(name)) {
  console.error(`usage: npm run bench -- <name>   (one of: ${known.join(', ')})`);
  process.exit(2);
}
const mod = await import(join(root, 'bench', `${name}.ts`));
const figures = await mod.default({ log: (...a) => console.log(...a) });
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', `${name}.json`), JSON.stringify(figures, null, 2) + '\n');
console.log(`wrote bench-results/${name}.json`);
console.log(JSON.stringify(figures));
process.exit(0);
