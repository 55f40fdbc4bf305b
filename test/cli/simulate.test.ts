// `baton simulate`: a lead's scenario played against their own flow.yml, printed as a timeline.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulate } from '../../src/cli/simulate.js';
import { DEMO_FLOW_PATH } from '../../src/sandbox/local-baton.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-sim-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

const scenario = `issue: { title: Dark mode, by: alice }
steps:
  - { label: "flow:feature", by: alice }
  - { comment: "/baton ready", by: alice }
  - open_pr: { title: Dark mode, body: "Fixes #{{issue}}", head: "{{issue}}-dark", files: { "src/theme.ts": "export const dark = true;\\n" } }
    by: bob
  - { review: approved, by: carol }
  - { checks: success }
  - { merge: true, by: bob }
expect: done
`;

describe('baton simulate', () => {
  it('plays the scenario against the flow and prints the timeline; exit 0 when it ends where expected', async () => {
    writeFileSync(join(dir, 'scenario.yml'), scenario);
    const c = io();
    const code = await runSimulate([join(dir, 'scenario.yml'), '--flow', DEMO_FLOW_PATH], c.io);
    const text = c.out.join('\n');
    expect(c.err.join('\n')).toBe('');
    expect(code).toBe(0);
    expect(text).toMatch(/run started in spec/);
    expect(text).toMatch(/stage spec → build/);
    expect(text).toMatch(/stage merge → done/);
    expect(text).toMatch(/reached stage "done"/);
  });

  it('exits 1 when the run ends elsewhere, and reports a broken flow as path:line:col', async () => {
    writeFileSync(join(dir, 'short.yml'), scenario.replace(/ {2}- \{ merge: true, by: bob \}\n/, ''));
    const c = io();
    expect(await runSimulate([join(dir, 'short.yml'), '--flow', DEMO_FLOW_PATH], c.io)).toBe(1);
    expect(c.out.join('\n')).toMatch(/ended in stage "merge"/);

    writeFileSync(
      join(dir, 'flow.yml'),
      readFileSync(DEMO_FLOW_PATH, 'utf8').replace('reviewer: carol', 'reviewer: carol\n  bogus key'),
    );
    const b = io();
    expect(await runSimulate([join(dir, 'short.yml'), '--flow', join(dir, 'flow.yml')], b.io)).toBe(1);
    expect(b.err.join('\n')).toMatch(/flow\.yml:\d+:\d+: error/);
  });
});
