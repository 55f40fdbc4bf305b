// loadFlow end to end over the valid fixtures, plus semantic checks located across files.
import { formatProblem, loadFlow, summarizeFlow } from '../../src/flow/index.js';
import { fixture, fixtureFetchBase } from './helpers.js';
import { RISK_DEFAULTS } from '../../src/tasks/risk/config-schema.js';

describe('loadFlow on valid fixtures', () => {
  it('loads a minimal flow', async () => {
    const r = await loadFlow(fixture('valid/minimal.yml'), 'minimal.yml');
    expect(r.problems).toEqual([]);
    expect(summarizeFlow(r.flow!)).toBe('flow "flow:tiny": 2 stages (build → done), 0 roles, trigger flow:tiny');
    expect(r.flow!.stages[1]!.final).toBe(true);
  });

  it('resolves a child of preset:feature with override, insert, remove and roles', async () => {
    const r = await loadFlow(fixture('valid/feature-child.yml'), '.github/flow.yml');
    expect(r.problems).toEqual([]);
    const flow = r.flow!;
    expect(flow.stages.map((s) => [s.id, s.owner])).toEqual([
      ['build', 'dev'],
      ['review', 'reviewer'],
      ['security-review', 'security'],
      ['checks', 'pr.author'],
      ['merge', 'pr.author'],
      ['done', undefined],
    ]);
    const review = flow.stages[1]!;
    expect(review.name).toBe('Code review');
    expect(review.slaMs).toBe(4 * 3_600_000);
    expect(review.enter).toEqual(['assign', 'request_review', 'risk']); // inherited
    expect(review.on[0]).toEqual({ event: 'review.approved', approvals: 2, to: 'security-review' });
    expect(flow.stages[5]!.enter).toEqual([{ docs: { changelog: 'docs/CHANGELOG.md', pr: true } }]);
    expect(flow.stages[5]!.final).toBe(true);
    expect(flow.roles).toEqual({
      pm: { users: ['alice'], teams: [] },
      dev: { users: ['bob'], teams: ['acme/web'] },
      reviewer: { users: ['carol'], teams: [] },
      security: { users: [], teams: ['acme/security'] },
      senior: { users: [], teams: ['acme/seniors'] },
    });
    expect(flow.trigger).toBe('flow:feature');
    expect(flow.sources).toEqual(['preset:feature', '.github/flow.yml']);
    expect(summarizeFlow(flow)).toBe(
      'flow "feature-web": 6 stages (build → review → security-review → checks → merge → done), 5 roles, trigger flow:feature',
    );
  });

  it('resolves a two-level chain (remote base on a preset) with role merge', async () => {
    const { fetchBase, calls } = fixtureFetchBase('valid', { '.github/org-base.yml': 'org-base.yml' });
    const r = await loadFlow(fixture('valid/team-child.yml'), 'team.yml', { fetchBase });
    expect(r.problems).toEqual([]);
    expect(calls).toEqual([{ owner: 'acme', repo: 'flows', path: '.github/org-base.yml', ref: 'main' }]);
    const flow = r.flow!;
    expect(flow.stages.map((s) => s.id)).toEqual(['spec', 'build', 'review', 'checks', 'qa', 'merge', 'done']);
    expect(flow.stages[4]!.owner).toBe('@heidi');
    expect(flow.stages[3]!.on.map((t) => t.to)).toEqual(['qa', 'build']);
    expect(flow.roles.reviewer).toEqual({ users: ['erin', 'frank'], teams: [] });
    expect(flow.roles.dev).toEqual({ users: ['bob', 'dave'], teams: [] });
    expect(Object.keys(flow.roles)).toEqual(['pm', 'dev', 'reviewer', 'senior']);
    expect(flow.risk).toEqual({
      ...RISK_DEFAULTS,
      sensitive_paths: ['migrations/**'],
      thresholds: { medium: 0.4, high: 0.9 },
    });
    expect(flow.trigger).toBe('flow:team');
    expect(flow.sources).toEqual(['preset:feature', '.github/org-base.yml', 'team.yml']);
  });

  it('returns warnings with the flow', async () => {
    const r = await loadFlow(fixture('valid/warnings.yml'), 'w.yml');
    expect(r.flow).toBeDefined();
    expect(r.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^w\.yml:10:10: warning: stages\[1\]\.sla: a final stage/),
      expect.stringMatching(/^w\.yml:12:7: warning: stages\[1\]\.on: a final stage ends the run/),
    ]);
  });

  it('has no flow when a remote base cannot be fetched offline', async () => {
    const r = await loadFlow(fixture('valid/remote-child.yml'), 'r.yml');
    expect(r.flow).toBeUndefined();
    expect(r.unresolvedBase).toBe('acme/flows:.github/org-base.yml@main');
    expect(r.problems).toEqual([expect.objectContaining({ line: 2, col: 10, severity: 'warning' })]);
  });
});

describe('semantic checks across files', () => {
  it('locates an unknown role in the child that overrides the owner, with the child-file path', async () => {
    const text =
      'version: 1\nextends: preset:feature\nroles:\n  pm: a\n  dev: b\n  reviewer: c\n  senior: c\nstages:\n  - id: checks\n    owner: qa\n';
    const r = await loadFlow(text, 'c.yml');
    expect(r.problems.map(formatProblem)).toEqual([
      'c.yml:10:12: error: stages[0].owner: unknown role "qa" — define it under roles: or use issue.author / pr.author / @login (roles: pm, dev, reviewer, senior)',
    ]);
  });

  it('locates a role a preset needs at the roles: key of the child', async () => {
    const r = await loadFlow('version: 1\nextends: preset:feature\nroles:\n  pm: a\n  dev: b\n  senior: c\n', 'c.yml');
    expect(r.problems).toEqual([
      expect.objectContaining({
        path: 'c.yml',
        line: 3,
        col: 1,
        message: expect.stringContaining('preset:feature uses role "reviewer"'),
      }),
    ]);
  });

  it('checks request_review roles and @logins', async () => {
    const text = `version: 1
trigger: t
stages:
  - id: a
    owner: "@bad_login"
    enter: [{ request_review: nobody }]
    on: [{ event: pr.merged, to: b }]
  - id: b
`;
    const msgs = (await loadFlow(text, 'f.yml')).problems.map(formatProblem);
    expect(msgs).toEqual([
      expect.stringMatching(/^f\.yml:5:12: error: stages\[0\]\.owner: "@bad_login" is not a GitHub login/),
      expect.stringMatching(
        /^f\.yml:6:31: error: stages\[0\]\.enter\[0\]\.request_review: unknown role "nobody" — define it under roles:/,
      ),
    ]);
  });

  it('reports no stages, and a flow without a final stage as an error (runs could never finish)', async () => {
    const none = await loadFlow('version: 1\ntrigger: t\n', 'f.yml');
    expect(none.problems.map((p) => p.message)).toEqual([expect.stringContaining('no stages')]);
    const loop = await loadFlow(
      'version: 1\ntrigger: t\nstages:\n  - id: a\n    on: [{ event: pr.merged, to: b }]\n  - id: b\n    on: [{ event: pr.closed, to: a }]\n',
      'f.yml',
    );
    expect(loop.flow).toBeUndefined();
    expect(loop.problems).toEqual([
      expect.objectContaining({ severity: 'error', message: expect.stringContaining('no final stage') }),
    ]);
  });
});

describe('problems inside a preset', () => {
  it('are reported on the child extends line, naming the preset line', async () => {
    // Removing `checks` leaves the preset's review → checks transition dangling.
    const text =
      'version: 1\nextends: preset:feature\nroles:\n  pm: a\n  dev: b\n  reviewer: c\n  senior: c\nstages:\n  - id: checks\n    remove: true\n';
    const r = await loadFlow(text, 'c.yml');
    expect(r.flow).toBeUndefined();
    expect(r.problems).toEqual([
      expect.objectContaining({
        path: 'c.yml',
        line: 2,
        col: 10,
        message: expect.stringMatching(
          /^preset:feature line \d+: stages\[2\]\.on\[0\]\.to: unknown stage "checks" .* override \(same id\) or remove that stage/,
        ),
      }),
    ]);
  });
});
