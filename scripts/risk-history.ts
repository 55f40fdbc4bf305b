// Writes a synthetic labelled JIT history (JSON lines) for trying `baton risk fit` / `baton risk eval`:
//   npx tsx scripts/risk-history.ts [--rows 3000] [--seed 2013] [--commit-guru] > history.jsonl
// See src/tasks/risk/synthetic-history.ts for what it models and why it is synthetic.
import { parseArgs } from 'node:util';
import { syntheticHistory } from '../src/tasks/risk/synthetic-history.js';

const { values } = parseArgs({
  options: { rows: { type: 'string' }, seed: { type: 'string' }, 'commit-guru': { type: 'boolean' } },
});
const lines = syntheticHistory({
  rows: values.rows ? Number(values.rows) : undefined,
  seed: values.seed ? Number(values.seed) : undefined,
  convention: values['commit-guru'] ? 'commit-guru' : 'kamei',
});
process.stdout.write(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
