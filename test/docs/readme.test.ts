// The README's examples must stay true: its flow.yml example validates, and every command it lists exists.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadFlow } from '../../src/flow/index.js';
import { usage } from '../../src/cli/main.js';
import { embedGenerated, GENERATED_SECTIONS } from '../../src/docs/readme.js';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

describe('README', () => {
  it('its flow.yml example is a valid flow', async () => {
    const text = /```yaml\n# \.github\/flow\.yml\n([\s\S]*?)```/.exec(readme)![1]!;
    const { flow, problems } = await loadFlow(text, '.github/flow.yml', {});
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(flow!.stages.map((s) => s.id)).toEqual(['spec', 'build', 'review', 'security', 'checks', 'merge', 'done']);
  });

  it('lists only commands the CLI has, and all of them', () => {
    const listed = [...readme.matchAll(/^\| `npx baton (\w+)/gm)].map((m) => m[1]);
    const known = [...usage().matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(known.sort());
  });

  it.each(Object.keys(GENERATED_SECTIONS))('its %s table is what the registry generates (npm run schema)', (name) => {
    const start = readme.indexOf(`<!-- ${name}:start -->`);
    const end = readme.indexOf(`<!-- ${name}:end -->`);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start, end)).toBe(embedGenerated(readme).slice(start, end));
  });
});
