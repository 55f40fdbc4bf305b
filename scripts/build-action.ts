// Builds the GitHub Action's committed bundle: dist/index.js (every dependency inlined; node24 runs it with no
// node_modules), its third-party licences, and the bundled flow presets the bundle reads next to itself.
// `npm run build:action`; test/action/dist.test.ts rebuilds into a temporary directory and fails when dist/ differs.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** @param o.split false: one file with everything (what the bench compares the lazy chunks against). */
export async function buildAction(outdir = join(root, 'dist'), o: { split?: boolean } = {}): Promise<string[]> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, 'presets'), { recursive: true });
  await build({
    entryPoints: [join(root, 'src/action/index.ts')],
    outdir,
    // The LLM router and the tasks are imported on first use (src/action/lazy.ts): separate chunks, loaded only then.
    splitting: o.split ?? true,
    chunkNames: 'chunks/[name]-[hash]',
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // CommonJS dependencies call require() for Node built-ins; an ES module has none unless it is made.
    banner: {
      js: "import { createRequire as __batonRequire } from 'node:module'; const require = __batonRequire(import.meta.url);",
    },
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'external',
    logLevel: 'warning',
    // Deterministic output: no absolute paths, no timestamps.
    sourcemap: false,
    metafile: false,
  });
  const presets = join(root, 'src/flow/presets');
  for (const f of readdirSync(presets).filter((x) => x.endsWith('.yml')))
    copyFileSync(join(presets, f), join(outdir, 'presets', f));
  return readdirSync(outdir, { recursive: true }).map(String).sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = await buildAction(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stdout.write(`dist: ${files.join(', ')}\n`);
}
