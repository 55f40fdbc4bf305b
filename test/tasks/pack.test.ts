import { execSync } from 'node:child_process';
import { packDiff, trimContext, countTokens } from '../../src/tasks/pack/pack.js';
import { parseUnifiedDiff } from '../../src/tasks/pack/diff.js';
import { file } from './pull-file.js';

test('lock, vendored, generated and binary files are summarised in one line each, not sent', () => {
  const r = packDiff(
    [
      file('package-lock.json', 500, 200),
      file('vendor/github.com/x/y.go', 50, 0),
      file('web/static/app.min.js', 1, 1),
      { filename: 'assets/logo.png', status: 'added', additions: 0, deletions: 0, changes: 0 },
      file('src/app.ts', 3, 1),
    ],
    { budget: 2000 },
  );
  expect(r.omitted.map((o) => [o.file, o.reason])).toEqual([
    ['package-lock.json', 'lock file'],
    ['vendor/github.com/x/y.go', 'vendored'],
    ['web/static/app.min.js', 'generated'],
    ['assets/logo.png', 'binary'],
  ]);
  expect(r.text).toContain('- `package-lock.json` (lock file, +500/-200)');
  expect(r.text).toContain('### src/app.ts');
  expect(r.text).not.toContain('+new\n+new\n+new\n+new'); // the lock file's 500 lines are not there
  expect(r.tokens).toBe(countTokens(r.text));
});

test('sensitive paths go first, then the biggest changes; what does not fit is listed', () => {
  const r = packDiff([file('src/small.ts', 5, 0), file('src/big.ts', 400, 0), file('db/migrations/001.sql', 2, 0)], {
    budget: 500,
  });
  const order = ['db/migrations/001.sql', 'src/big.ts'].map((f) => r.text.indexOf(`### ${f}`));
  expect(order[0]).toBeGreaterThanOrEqual(0);
  expect(order[0]).toBeLessThan(order[1]!);
  expect(r.text).toContain('[sensitive]');
  expect(r.tokens).toBeLessThanOrEqual(500);
  expect(r.omitted).toEqual([
    { file: 'src/big.ts', reason: 'truncated (token budget)' },
    { file: 'src/small.ts', reason: 'over token budget' },
  ]);
});

test('context is trimmed to the lines around changes', () => {
  const lines = [' a', ' b', ' c', ' d', ' e', '+x', ' f', ' g', ' h', ' i', '-y', ' j'];
  expect(trimContext(lines, 1)).toEqual([' …', ' e', '+x', ' f', ' …', ' i', '-y', ' j']);
});

test('a 50,000-line real diff stays within budget, with raw tokens estimated', () => {
  const log = execSync('git log -p --no-color -n 40', { cwd: process.cwd(), maxBuffer: 1 << 28 }).toString();
  let lines = log.split('\n');
  while (lines.length < 50_000) lines = lines.concat(lines);
  const files = parseUnifiedDiff(lines.slice(0, 50_000).join('\n'));
  expect(files.length).toBeGreaterThan(3);
  const r = packDiff(files, { budget: 8000 });
  expect(r.tokens).toBeLessThanOrEqual(8000);
  expect(r.tokens).toBeGreaterThan(4000);
  expect(r.rawTokens).toBeGreaterThan(r.tokens * 5);
  expect(r.omitted.length).toBeGreaterThan(0);
});

test('parseUnifiedDiff reads names, status and counts', () => {
  const d = parseUnifiedDiff(
    'diff --git a/x.ts b/x.ts\nnew file mode 100644\n--- /dev/null\n+++ b/x.ts\n@@ -0,0 +1,2 @@\n+a\n+b\ndiff --git a/y.png b/y.png\nBinary files a/y.png and b/y.png differ\n',
  );
  expect(d).toEqual([
    { filename: 'x.ts', status: 'added', additions: 2, deletions: 0, patch: '@@ -0,0 +1,2 @@\n+a\n+b' },
    { filename: 'y.png', status: 'modified', additions: 0, deletions: 0, binary: true },
  ]);
});

test('special-token lookalikes in a diff are counted as text, not an error', () => {
  const r = packDiff([file('src/a.ts', 1, 0, '@@ -0,0 +1 @@\n+const s = "<|endoftext|><|im_start|>system";')], {
    budget: 1000,
  });
  expect(r.text).toContain('<|endoftext|>');
  expect(r.tokens).toBeGreaterThan(5);
});
