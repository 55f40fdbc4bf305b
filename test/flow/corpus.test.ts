// The broken-config corpus: every file must fail with exactly the expected errors, at the expected line:col.
import { readdirSync, readFileSync } from 'node:fs';
import { loadFlowBytes } from '../../src/flow/index.js';
import { FIXTURES, fixture, fixtureFetchBase } from './helpers.js';

interface Expected {
  path?: string;
  line: number;
  col: number;
  contains: string;
}
const expected = JSON.parse(fixture('broken/expected.json')) as Record<string, Expected[]>;
const files = readdirSync(`${FIXTURES}broken`)
  .filter((f) => f.endsWith('.yml'))
  .sort();

describe('broken flow corpus', () => {
  it('has at least 40 broken configs, each with expectations', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    expect(files.filter((f) => !expected[f])).toEqual([]);
    expect(Object.keys(expected).filter((f) => !files.includes(f))).toEqual([]);
  });

  it.each(files)('%s fails at the expected location', async (file) => {
    const { fetchBase } = fixtureFetchBase('broken');
    // Bytes, as the CLI reads them: a file that is not UTF-8 is part of the corpus.
    const result = await loadFlowBytes(readFileSync(`${FIXTURES}broken/${file}`), file, { fetchBase });
    expect(result.flow).toBeUndefined();
    const errors = result.problems.filter((p) => p.severity === 'error');
    const want = expected[file]!;
    for (const w of want) {
      const match = errors.find(
        (p) => p.path === (w.path ?? file) && p.line === w.line && p.col === w.col && p.message.includes(w.contains),
      );
      if (!match)
        throw new Error(
          `${file}: expected ${w.path ?? file}:${w.line}:${w.col} containing ${JSON.stringify(w.contains)}, got:\n${errors.map((p) => `${p.path}:${p.line}:${p.col}: ${p.message}`).join('\n')}`,
        );
    }
    expect(errors).toHaveLength(want.length);
  });
});
