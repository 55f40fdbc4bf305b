// `baton simulate`: a lead's scenario played against their own flow.yml, printed as a timeline.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulate } from '../../src/cli/simulate.js';
import { DEMO_FLOW_PATH } from '../../src/sandbox/local-baton.js';
import { API_FLOW_YML, ORG_FLOW_YML } from '../../src/sandbox/seed.js';

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

  it('runs on the scenario clock: +3d past a 3d SLA nudges the owner, and the timeline prints dates', async () => {
    writeFileSync(
      join(dir, 'sla.yml'),
      `issue: { title: Dark mode, by: alice }
start: 2026-03-02T09:00:00Z
steps:
  - { label: "flow:feature", by: alice }
  - { comment: "/baton ready", by: alice, at: +3d }
  - { wait: 4d }
  - { wait: 2d }
expect: build
`,
    );
    const c = io();
    expect(await runSimulate([join(dir, 'sla.yml'), '--flow', DEMO_FLOW_PATH], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/^2026-03-02 09:01 {2}alice labels "flow:feature"/m);
    expect(text).toMatch(
      /^2026-03-05 09:01 {2}time passes \(3d\)\n\s+→ commented on the issue: "⏰ @alice: [^"]*Spec[^"]*SLA of 3d/m,
    );
    // build has a 5d SLA: 4 days later nothing, 6 days later one nudge for bob — and only one.
    expect(text).toMatch(/^2026-03-09 09:01 {2}4d pass\n\s+→ \(nothing to do\)/m);
    expect(text).toMatch(/^2026-03-11 09:01 {2}2d pass\n\s+→ commented on the issue: "⏰ @bob/m);
    expect(text.match(/⏰/g)).toHaveLength(2);
  });

  it('reports every problem of a scenario file at its line and column', async () => {
    writeFileSync(
      join(dir, 'bad.yml'),
      `steps:
  - { label: "flow:feature", by: alice, at: tomorrow }
  - { lable: x }
  - { review: maybe }
  - { merge: true, comment: hi }
`,
    );
    const c = io();
    expect(await runSimulate([join(dir, 'bad.yml'), '--flow', DEMO_FLOW_PATH], c.io)).toBe(1);
    const lines = c.err.join('\n').split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/bad\.yml:2:45: error: steps\[0\]\.at: write a time like "\+2d"/),
      expect.stringMatching(/bad\.yml:3:5: error: steps\[1\]: a step needs one of: label, /),
      expect.stringMatching(/bad\.yml:4:15: error: steps\[2\]\.review: /),
      expect.stringMatching(/bad\.yml:5:5: error: steps\[3\]: one step does one thing, this one has comment and merge/),
    ]);
  });

  it('{{pr}} in the final stage names the merged PR', async () => {
    writeFileSync(join(dir, 'scenario.yml'), scenario);
    writeFileSync(
      join(dir, 'flow.yml'),
      readFileSync(DEMO_FLOW_PATH, 'utf8').replace(
        'enter: [{ docs: { changelog: CHANGELOG.md, pr: true } }]',
        'enter: [{ comment: "Shipped in {{pr}}" }]',
      ),
    );
    const c = io();
    expect(await runSimulate([join(dir, 'scenario.yml'), '--flow', join(dir, 'flow.yml')], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/commented on the issue: "Shipped in #\d+"/);
  });

  it('posts the weekly digest on the scenario clock, for the scenario week, once', async () => {
    writeFileSync(
      join(dir, 'scenario.yml'),
      scenario
        .replace('issue: {', 'start: 2026-03-03T10:00:00Z\nissue: {')
        .replace('expect: done\n', '  - { wait: 7d }\n  - { wait: 7d }\nexpect: done\n'),
    );
    writeFileSync(join(dir, 'flow.yml'), `${readFileSync(DEMO_FLOW_PATH, 'utf8')}\ndigest: { enabled: true }\n`);
    const c = io();
    expect(await runSimulate([join(dir, 'scenario.yml'), '--flow', join(dir, 'flow.yml')], c.io)).toBe(0);
    const text = c.out.join('\n');
    // Baton learns the repo at the first event: the last due digest (Monday 03-02, for W09) is caught up once at
    // once, as after downtime. Monday 03-09 09:00 falls in the first wait, 03-16 in the second: one digest each,
    // for the complete week before; all on the scenario's dates, none for the real week.
    expect(text).toMatch(
      /^2026-03-03 10:01 {2}time passes \(1m\)\n\s+→ Baton posted the Workflow Wins digest for 2026-W09/m,
    );
    expect(text).toMatch(/^2026-03-10 10:06 {2}7d pass\n\s+→ Baton posted the Workflow Wins digest for 2026-W10/m);
    expect(text).toMatch(/^2026-03-17 10:06 {2}7d pass\n\s+→ Baton posted the Workflow Wins digest for 2026-W11/m);
    expect(text.match(/Workflow Wins digest/g)).toHaveLength(3);
  });
});

describe('baton simulate --org-flow', () => {
  const orgScenario = `issue: { title: Tidy, by: bob }
steps:
  - { label: "flow:task", by: alice }
  - { comment: "/baton ready", by: alice }
  - open_pr: { title: Tidy, body: "Fixes #{{issue}}", head: "{{issue}}-tidy", files: { "docs/x.md": "x\\n" } }
    by: bob
  - { review: approved, by: carol }
expect: done
`;

  it('resolves extends: org against the given org flow, its team roles included', async () => {
    writeFileSync(join(dir, 'org.yml'), ORG_FLOW_YML);
    writeFileSync(join(dir, 'flow.yml'), API_FLOW_YML);
    writeFileSync(join(dir, 'scenario.yml'), orgScenario);
    const c = io();
    const code = await runSimulate(
      [join(dir, 'scenario.yml'), '--flow', join(dir, 'flow.yml'), '--org-flow', join(dir, 'org.yml')],
      c.io,
    );
    const text = c.out.join('\n');
    expect(c.err.join('\n')).toBe('');
    // /baton ready ends triage only in the child (API_FLOW_YML's override), the seniors team (carol) approves.
    expect(text).toMatch(/stage triage → build/);
    expect(text).toMatch(/stage review → done/);
    expect(code).toBe(0);
  });

  it('without a flow.yml of its own the repository runs the org flow', async () => {
    writeFileSync(join(dir, 'org.yml'), ORG_FLOW_YML);
    writeFileSync(
      join(dir, 'scenario.yml'),
      orgScenario.replace('{ comment: "/baton ready", by: alice }', '{ label: "triage:done", by: alice }'),
    );
    const c = io();
    // No --flow, and no .github/flow.yml where the command runs.
    const code = await runSimulate([join(dir, 'scenario.yml'), '--org-flow', join(dir, 'org.yml')], c.io);
    expect(c.err.join('\n')).toBe('');
    expect(c.out.join('\n')).toMatch(/stage triage → build/);
    expect(code).toBe(0);
  });

  it('without --org-flow, extends: org says how to give it', async () => {
    writeFileSync(join(dir, 'flow.yml'), API_FLOW_YML);
    writeFileSync(join(dir, 'scenario.yml'), orgScenario);
    const c = io();
    expect(await runSimulate([join(dir, 'scenario.yml'), '--flow', join(dir, 'flow.yml')], c.io)).toBe(1);
    expect(c.err.join('\n')).toMatch(/pass --org-flow PATH/);
  });
});
