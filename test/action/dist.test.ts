// dist/ is what `uses: …/baton@v1` runs: it must be built from the current sources. Rebuild into a temporary
// directory and compare every file; on a difference, run `npm run build:action` and commit dist/.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { buildAction } from '../../scripts/build-action.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const list = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();

describe('dist/', () => {
  it('is current: a fresh build from src/ is byte-identical', async () => {
    const out = mkdtempSync(join(tmpdir(), 'baton-dist-'));
    try {
      await buildAction(out);
      const committed = join(root, 'dist');
      const fresh = list(out);
      expect({ files: list(committed), fix: 'npm run build:action' }).toEqual({
        files: fresh,
        fix: 'npm run build:action',
      });
      const stale = fresh.filter((f) => !readFileSync(join(out, f)).equals(readFileSync(join(committed, f))));
      // On a failure: `npm run build:action` and commit dist/ with the source change.
      expect({ stale, fix: stale.length ? 'npm run build:action' : undefined }).toEqual({ stale: [], fix: undefined });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('is what action.yml runs, on node24', () => {
    const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { runs: { using: string; main: string } };
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});
