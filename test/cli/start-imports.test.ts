// Production `baton start` does not load the sandbox: the sandbox (a whole GitHub, its scenarios and fixtures) is
// imported only when there are no App credentials, by a dynamic import in src/cli/start.ts. This walks the static
// import graph of start.ts (type-only imports are erased by the compiler and do not count).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  // `import x from '…'`, `import { a } from '…'`, `export … from '…'`; not `import type`, not `import('…')`.
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm)) {
    const spec = (m[1] ?? m[2])!;
    const path = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    if (existsSync(path)) out.push(path);
  }
  return out;
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...staticImports(f));
  }
  return seen;
}

test('baton start reaches no sandbox module through static imports', () => {
  const files = [...reachable(join(SRC, 'cli/start.ts'))].map((f) => relative(SRC, f));
  expect(files.length).toBeGreaterThan(10); // the walk does follow the app's imports
  expect(files).toContain('app/serve.ts');
  expect(files.filter((f) => f.startsWith('sandbox/'))).toEqual([]);
});
