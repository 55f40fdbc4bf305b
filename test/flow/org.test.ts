// `extends: org` and `enabled: false`: the org flow as a base, located problems, and opting out.
import { loadFlow } from '../../src/flow/index.js';
import { ORG_FLOW_YML, API_FLOW_YML } from '../../src/sandbox/seed.js';

const org = async () => ({ text: ORG_FLOW_YML, path: 'acme/.github:.github/flow.yml' });

describe('extends: org', () => {
  it('merges the org flow under the child: stages by id, roles by name, team roles inherited', async () => {
    const r = await loadFlow(API_FLOW_YML, '.github/flow.yml', { fetchOrgBase: org });
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(r.flow!.trigger).toBe('flow:task');
    expect(r.flow!.roles.lead).toEqual({ users: ['dave'], teams: [] });
    expect(r.flow!.roles.seniors).toEqual({ users: [], teams: ['acme/seniors'] });
    expect(r.flow!.stages.map((s) => s.id)).toEqual(['triage', 'build', 'review', 'done']);
    expect(r.flow!.stages[0]!.slaMs).toBe(86_400_000);
    expect(r.flow!.stages[0]!.on).toHaveLength(2);
    expect(r.flow!.digest.org).toBe(true);
    expect(r.flow!.sources).toEqual(['acme/.github:.github/flow.yml', '.github/flow.yml']);
  });

  it('a child overriding a stage the org flow does not have is located on the child', async () => {
    const child = 'version: 1\nextends: org\nstages:\n  - id: qa\n    after: staging\n';
    const r = await loadFlow(child, '.github/flow.yml', { fetchOrgBase: org });
    expect(r.flow).toBeUndefined();
    expect(r.problems).toEqual([
      expect.objectContaining({
        path: '.github/flow.yml',
        line: 5,
        severity: 'error',
        message: expect.stringMatching(/no stage "staging"/),
      }),
    ]);
  });

  it('without an org flow, or offline, says so on the extends line', async () => {
    const none = await loadFlow(API_FLOW_YML, '.github/flow.yml', { fetchOrgBase: async () => undefined });
    expect(none.flow).toBeUndefined();
    expect(none.problems[0]).toMatchObject({
      line: 2,
      severity: 'error',
      message: expect.stringMatching(/no org flow/),
    });
    const offline = await loadFlow(API_FLOW_YML, '.github/flow.yml');
    expect(offline.unresolvedBase).toBe('org');
    expect(offline.problems[0]).toMatchObject({
      line: 2,
      severity: 'warning',
      message: expect.stringMatching(/--org-flow/),
    });
  });
});

describe('enabled: false', () => {
  it('opts out with nothing else in the file, even when the base cannot be fetched', async () => {
    const r = await loadFlow('version: 1\nenabled: false\n', '.github/flow.yml');
    expect(r).toEqual({ problems: [], disabled: true });
    const child = await loadFlow('version: 1\nextends: org\nenabled: false\n', '.github/flow.yml', {
      fetchOrgBase: async () => undefined,
    });
    expect(child.disabled).toBe(true);
    expect(child.flow).toBeUndefined();
  });

  it('is a boolean', async () => {
    const r = await loadFlow('version: 1\nenabled: "no"\n', '.github/flow.yml');
    expect(r.disabled).toBeUndefined();
    expect(r.problems[0]).toMatchObject({ line: 2, severity: 'error' });
  });
});
