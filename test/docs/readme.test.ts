// The README's examples must stay true: its flow.yml example validates, and every command it lists exists.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadFlow } from '../../src/flow/index.js';
import { usage } from '../../src/cli/main.js';

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
});
