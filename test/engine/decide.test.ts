import { decide, stageLabel, RISK_CHECK } from '../../src/engine/decide.js';
import type { Flow } from '../../src/flow/types.js';
import type { BatonEvent, Effect, RunState } from '../../src/engine/types.js';
import { RISK_DEFAULTS } from '../../src/tasks/risk/config-schema.js';

const flow: Flow = {
  version: 1,
  name: 'feature',
  trigger: 'flow:feature',
  roles: {
    pm: { users: ['alice'], teams: [] },
    senior: { users: ['carol'], teams: ['acme/seniors'] },
    docs: { users: ['dave'], teams: [] },
  },
  stages: [
    {
      id: 'spec',
      name: 'Spec',
      owner: 'pm',
      slaMs: 2 * 86400_000,
      enter: ['assign', { comment: 'Spec time, {{owner}} ({{stage}}, {{issue}})' }],
      on: [{ event: 'issue.labeled', label: 'spec-approved', to: 'build' }],
      final: false,
    },
    {
      id: 'build',
      name: 'Build',
      owner: 'issue.author',
      enter: ['assign'],
      on: [
        { event: 'pr.opened', to: 'review' },
        { event: 'command', command: 'skip', to: 'checks' },
      ],
      final: false,
    },
    {
      id: 'review',
      name: 'Review',
      owner: 'senior',
      enter: ['assign', 'request_review', 'risk'],
      on: [
        { event: 'review.changes_requested', to: 'build' },
        { event: 'review.approved', approvals: 2, to: 'checks' },
        { event: 'review.approved', approved_by: 'senior', to: 'checks' },
      ],
      final: false,
    },
    {
      id: 'checks',
      name: 'Checks',
      owner: 'pr.author',
      enter: [],
      on: [{ event: 'checks.completed', to: 'merge' }],
      final: false,
    },
    {
      id: 'merge',
      name: 'Merge',
      owner: 'pr.author',
      enter: [],
      on: [
        { event: 'pr.merged', to: 'done' },
        { event: 'issue.closed', to: 'done' },
      ],
      final: false,
    },
    {
      id: 'done',
      name: 'Done',
      owner: 'docs',
      enter: ['docs', { label: { add: ['shipped'], remove: ['in-progress'] } }],
      on: [],
      final: true,
    },
  ],
  risk: { ...RISK_DEFAULTS },
  llm: {},
  digest: {},
  sources: ['test'],
};

let seq = 0;
const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 0, min)).toISOString();
function ev(type: BatonEvent['type'], extra: Record<string, unknown> = {}): BatonEvent {
  seq += 1;
  return {
    id: `e${seq}`,
    at: at(seq),
    actor: 'bob',
    repo: 'acme/web',
    issue: 1,
    issueAuthor: 'bob',
    type,
    ...extra,
  } as BatonEvent;
}
const pr = (over: Partial<{ number: number; author: string; headSha: string; draft: boolean }> = {}) => ({
  number: 2,
  author: 'bob',
  headSha: 'sha1',
  draft: false,
  ...over,
});
const kinds = (effects: Effect[]) => effects.map((e) => e.kind);
const of = <K extends Effect['kind']>(effects: Effect[], kind: K) =>
  effects.filter((e): e is Extract<Effect, { kind: K }> => e.kind === kind);

function started(): RunState {
  const d = decide(flow, null, ev('issue.labeled', { label: 'flow:feature', actor: 'alice' }));
  return d.run!;
}
function drive(run: RunState, ...events: BatonEvent[]): { run: RunState; effects: Effect[] } {
  let effects: Effect[] = [];
  for (const e of events) {
    const d = decide(flow, run, e);
    run = d.run!;
    effects = d.effects;
  }
  return { run, effects };
}
function inReview(): RunState {
  const run = started();
  return drive(run, ev('issue.labeled', { label: 'spec-approved' }), ev('pr.opened', { pr: pr() })).run;
}

describe('starting a run', () => {
  it('starts at the first stage on the trigger label: stage label, owner assigned, comment, card', () => {
    const d = decide(flow, null, ev('issue.labeled', { label: 'flow:feature', actor: 'alice' }));
    expect(d.run).toMatchObject({ stage: 'spec', status: 'active', owners: ['alice'], issueAuthor: 'bob' });
    expect(kinds(d.effects)).toEqual(['label.add', 'assign', 'comment', 'transition', 'card']);
    expect(of(d.effects, 'label.add')[0]!.labels).toEqual([stageLabel('spec')]);
    expect(of(d.effects, 'assign')[0]!.users).toEqual(['alice']);
    expect(of(d.effects, 'comment')[0]!.body).toBe('Spec time, @alice (Spec, #1)');
    expect(d.run!.history).toEqual([expect.objectContaining({ from: null, to: 'spec', kind: 'start' })]);
  });

  it('ignores other labels and events when there is no run', () => {
    expect(decide(flow, null, ev('issue.labeled', { label: 'bug' }))).toMatchObject({ run: null, effects: [] });
    expect(decide(flow, null, ev('pr.opened', { pr: pr() }))).toMatchObject({ run: null, effects: [] });
  });

  it('is deterministic and does not mutate its input', () => {
    const run = started();
    const frozen = JSON.stringify(run);
    const e = ev('issue.labeled', { label: 'spec-approved' });
    const a = decide(flow, run, e);
    const b = decide(flow, run, e);
    expect(JSON.stringify(run)).toBe(frozen);
    expect(a).toEqual(b);
  });
});

describe('idempotency', () => {
  it('a second delivery of the same event (same fingerprint) has no effect', () => {
    const run = started();
    const e = ev('issue.labeled', { label: 'spec-approved' });
    const first = decide(flow, run, e);
    expect(first.run!.stage).toBe('build');
    const again = decide(flow, first.run, { ...e, delivery: 'another-delivery-id' });
    expect(again.effects).toEqual([]);
    expect(again.run!.stage).toBe('build');
  });

  it('effect keys derive from the event, so re-deciding after a crash yields the same keys', () => {
    const run = started();
    const e = ev('issue.labeled', { label: 'spec-approved' });
    const keys = (d: ReturnType<typeof decide>) => d.effects.map((x) => x.key);
    expect(keys(decide(flow, run, e))).toEqual(keys(decide(flow, run, e)));
    expect(new Set(keys(decide(flow, run, e))).size).toBe(decide(flow, run, e).effects.length);
  });
});

describe('transitions', () => {
  it('moves forward on a guarded label and hands off the owner', () => {
    const d = decide(flow, started(), ev('issue.labeled', { label: 'spec-approved' }));
    expect(d.run).toMatchObject({ stage: 'build', owners: ['bob'] });
    expect(of(d.effects, 'label.remove')[0]!.label).toBe('baton:spec');
    expect(of(d.effects, 'unassign')[0]!.users).toEqual(['alice']);
    expect(of(d.effects, 'assign')[0]!.users).toEqual(['bob']);
    expect(d.run!.history.at(-1)).toMatchObject({ from: 'spec', to: 'build', kind: 'forward' });
  });

  it('does not move on a label its guard does not name', () => {
    const d = decide(flow, started(), ev('issue.labeled', { label: 'whatever' }));
    expect(d.run!.stage).toBe('spec');
    expect(d.effects).toEqual([]);
  });

  it('links a PR opened with a closing keyword, requests senior review and risk-assesses it', () => {
    const run = drive(started(), ev('issue.labeled', { label: 'spec-approved' })).run;
    const d = decide(flow, run, ev('pr.opened', { pr: pr(), linkedBy: 'keyword' }));
    expect(d.run!.stage).toBe('review');
    expect(d.run!.prs).toEqual([expect.objectContaining({ number: 2, state: 'open', headSha: 'sha1' })]);
    expect(of(d.effects, 'review.request')[0]).toMatchObject({ pr: 2, users: ['carol'], teams: ['seniors'] });
    expect(of(d.effects, 'task')[0]).toMatchObject({ task: 'risk', pr: 2 });
  });

  it('a draft PR is linked but does not move the run', () => {
    const run = drive(started(), ev('issue.labeled', { label: 'spec-approved' })).run;
    const d = decide(flow, run, ev('pr.opened', { pr: pr({ draft: true }) }));
    expect(d.run!.stage).toBe('build');
    expect(d.run!.prs[0]!.state).toBe('draft');
  });

  it('bounces back on changes requested and counts it as a back move', () => {
    const d = decide(flow, inReview(), ev('review.changes_requested', { pr: pr(), reviewer: 'carol', approvals: [] }));
    expect(d.run!.stage).toBe('build');
    expect(d.run!.history.at(-1)!.kind).toBe('back');
    expect(of(d.effects, 'transition')[0]!.entry.kind).toBe('back');
  });

  it('approvals guard needs the number of distinct approvals', () => {
    const run = inReview();
    const one = decide(flow, run, ev('review.approved', { pr: pr(), reviewer: 'erin', approvals: ['erin'] }));
    expect(one.run!.stage).toBe('review');
    const two = decide(flow, run, ev('review.approved', { pr: pr(), reviewer: 'frank', approvals: ['erin', 'frank'] }));
    expect(two.run!.stage).toBe('checks');
  });

  it('approved_by guard accepts a role member directly or through a team', () => {
    const run = inReview();
    expect(
      decide(flow, run, ev('review.approved', { pr: pr(), reviewer: 'carol', approvals: ['carol'] })).run!.stage,
    ).toBe('checks');
    const viaTeam = decide(flow, run, ev('review.approved', { pr: pr(), reviewer: 'gina', approvals: ['gina'] }), {
      teamMembers: { 'acme/seniors': ['gina'] },
    });
    expect(viaTeam.run!.stage).toBe('checks');
    expect(
      decide(flow, run, ev('review.approved', { pr: pr(), reviewer: 'gina', approvals: ['gina'] })).run!.stage,
    ).toBe('review');
  });

  it('checks: suite success moves on; failure, a single run or a stale head do not', () => {
    const run = drive(inReview(), ev('review.approved', { pr: pr(), reviewer: 'carol', approvals: ['carol'] })).run;
    expect(run.stage).toBe('checks');
    const base = { pr: pr(), check: 'ci', suite: true };
    expect(decide(flow, run, ev('checks.completed', { ...base, conclusion: 'failure' })).run!.stage).toBe('checks');
    expect(decide(flow, run, ev('checks.completed', { ...base, conclusion: 'success', suite: false })).run!.stage).toBe(
      'checks',
    );
    expect(
      decide(flow, run, ev('checks.completed', { ...base, conclusion: 'success', pr: pr({ headSha: 'old' }) })).run!
        .stage,
    ).toBe('checks');
    expect(decide(flow, run, ev('checks.completed', { ...base, conclusion: 'success' })).run!.stage).toBe('merge');
  });

  it('merging finishes the run: final stage, done status, docs task and labels', () => {
    let run = drive(
      inReview(),
      ev('review.approved', { pr: pr(), reviewer: 'carol', approvals: ['carol'] }),
      ev('checks.completed', { pr: pr(), check: 'ci', suite: true, conclusion: 'success' }),
    ).run;
    const d = decide(flow, run, ev('pr.merged', { pr: pr() }));
    run = d.run!;
    expect(run).toMatchObject({ stage: 'done', status: 'done' });
    expect(run.history.at(-1)!.kind).toBe('done');
    expect(of(d.effects, 'task')).toEqual([expect.objectContaining({ task: 'docs', pr: 2 })]);
    expect(of(d.effects, 'label.add').map((e) => e.labels)).toContainEqual(['shipped']);
    expect(of(d.effects, 'label.remove').map((e) => e.label)).toContain('in-progress');
    // A finished run ignores later events.
    expect(decide(flow, run, ev('issue.labeled', { label: 'spec-approved' })).effects).toEqual([]);
  });

  it('synchronize in a risk stage re-assesses the new head without moving', () => {
    const d = decide(flow, inReview(), ev('pr.synchronize', { pr: pr({ headSha: 'sha2' }) }));
    expect(d.run!.stage).toBe('review');
    expect(d.run!.prs[0]!.headSha).toBe('sha2');
    expect(of(d.effects, 'task')[0]).toMatchObject({ task: 'risk', pr: 2 });
    expect(of(d.effects, 'task')[0]!.key).toContain('sha2');
  });
});

describe('high-risk gate', () => {
  const risky = () =>
    decide(flow, inReview(), {
      ...ev('task.done'),
      type: 'task.done',
      task: 'risk',
      pr: 2,
      result: { level: 'high', score: 0.9, commentId: 55, diffHash: 'h', costUsd: 0.01 },
    } as BatonEvent).run!;

  it('records the task result and spend on the run', () => {
    const run = risky();
    expect(run.prs[0]!.risk).toMatchObject({ level: 'high', score: 0.9, commentId: 55 });
    expect(run.spendUsd).toBeCloseTo(0.01);
  });

  it('a senior approval turns the risk check green; a non-senior one does not', () => {
    const nonSenior = decide(flow, risky(), ev('review.approved', { pr: pr(), reviewer: 'erin', approvals: ['erin'] }));
    expect(of(nonSenior.effects, 'check')).toEqual([]);
    const senior = decide(flow, risky(), ev('review.approved', { pr: pr(), reviewer: 'carol', approvals: ['carol'] }));
    expect(of(senior.effects, 'check')[0]).toMatchObject({ name: RISK_CHECK, conclusion: 'success', sha: 'sha1' });
    expect(senior.run!.prs[0]!.risk!.seniorApproved).toBe(true);
  });
});

describe('SLA', () => {
  it('nudges once when the stage outlives its SLA', () => {
    const run = started();
    const early = decide(flow, run, {
      ...ev('sla.tick'),
      at: new Date(Date.parse(run.enteredAt) + 3600_000).toISOString(),
    } as BatonEvent);
    expect(early.effects).toEqual([]);
    const late = decide(flow, run, {
      ...ev('sla.tick'),
      at: new Date(Date.parse(run.enteredAt) + 3 * 86400_000).toISOString(),
    } as BatonEvent);
    expect(of(late.effects, 'comment')[0]!.body).toMatch(/@alice.*Spec.*3d.*2d/);
    const again = decide(flow, late.run, {
      ...ev('sla.tick'),
      at: new Date(Date.parse(run.enteredAt) + 4 * 86400_000).toISOString(),
    } as BatonEvent);
    expect(again.effects).toEqual([]);
  });
});

describe('commands', () => {
  const cmd = (command: string, args: string[] = [], permission: 'write' | 'read' | 'admin' = 'write', extra = {}) =>
    ev('command', { command, args, permission, commentId: 900 + seq, ...extra });

  it('refuses users without write access, once, politely, without touching the run', () => {
    const run = started();
    const d = decide(flow, run, cmd('advance', [], 'read'));
    expect(d.run!.stage).toBe('spec');
    expect(kinds(d.effects)).toEqual(['comment']);
    expect(of(d.effects, 'comment')[0]!.body).toMatch(/write access/);
  });

  it('advance moves to the next stage, or to a named one, as a manual move', () => {
    expect(decide(flow, started(), cmd('advance')).run!.stage).toBe('build');
    const named = decide(flow, started(), cmd('advance', ['checks']));
    expect(named.run!.stage).toBe('checks');
    expect(named.run!.history.at(-1)!.kind).toBe('manual');
    const unknown = decide(flow, started(), cmd('advance', ['nowhere']));
    expect(unknown.run!.stage).toBe('spec');
    expect(of(unknown.effects, 'comment')[0]!.body).toMatch(/no stage `nowhere`/);
  });

  it('assign hands the stage to another user', () => {
    const d = decide(flow, started(), cmd('assign', ['@zoe']));
    expect(d.run!.owners).toEqual(['zoe']);
    expect(of(d.effects, 'unassign')[0]!.users).toEqual(['alice']);
    expect(of(d.effects, 'assign')[0]!.users).toEqual(['zoe']);
  });

  it('link ties a PR and takes a pr transition', () => {
    const run = drive(started(), ev('issue.labeled', { label: 'spec-approved' })).run;
    const d = decide(flow, run, cmd('link', ['#2'], 'write', { pr: pr() }));
    expect(d.run!.prs.map((p) => p.number)).toEqual([2]);
  });

  it('a custom command takes its transition with a 👍; an unknown one gets one line with "did you mean"', () => {
    const run = drive(started(), ev('issue.labeled', { label: 'spec-approved' })).run;
    const skip = decide(flow, run, cmd('skip'));
    expect(skip.run!.stage).toBe('checks');
    expect(of(skip.effects, 'react')).toEqual([expect.objectContaining({ content: '+1' })]);
    expect(of(skip.effects, 'comment')).toEqual([]);
    const d = decide(flow, run, cmd('xyzzy'));
    expect(d.run!.stage).toBe('build');
    expect(of(d.effects, 'comment')[0]!.body).toBe('`/baton xyzzy` is not a command here; `/baton help` lists them.');
    const typo = of(decide(flow, run, cmd('stauts')).effects, 'comment')[0]!.body;
    expect(typo).toBe(
      '`/baton stauts` is not a command here. Did you mean `/baton status`? (`/baton help` lists them.)',
    );
    expect(typo.split('\n')).toHaveLength(1);
  });

  it('assign, advance and retry are acknowledged with a reaction, not a comment; status answers in words', () => {
    const run = drive(started(), ev('issue.labeled', { label: 'spec-approved' })).run;
    for (const c of [cmd('assign', ['@dave']), cmd('advance'), cmd('retry')]) {
      const d = decide(flow, run, c);
      expect(of(d.effects, 'comment')).toEqual([]);
      expect(of(d.effects, 'react')).toHaveLength(1);
    }
    const status = of(decide(flow, run, cmd('status')).effects, 'comment')[0]!.body;
    expect(status).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(status).toMatch(/^In \*\*Build\*\* \(2 of \d\) /);
  });

  it('status with no run explains how to start one', () => {
    const d = decide(flow, null, cmd('status'));
    expect(d.run).toBeNull();
    expect(of(d.effects, 'comment')[0]!.body).toMatch(/flow:feature/);
  });

  it('retry re-runs the stage tasks and clears a stuck marker', () => {
    const run = { ...inReview(), stuck: { reason: 'boom', at: at(1), job: 'j1' } };
    const d = decide(flow, run, cmd('retry'));
    expect(d.run!.stuck).toBeUndefined();
    expect(of(d.effects, 'task')[0]).toMatchObject({ task: 'risk', pr: 2 });
  });
});

describe('closing', () => {
  it('closing the issue takes an issue.closed transition when the stage has one', () => {
    let run = drive(
      inReview(),
      ev('review.approved', { pr: pr(), reviewer: 'carol', approvals: ['carol'] }),
      ev('checks.completed', { pr: pr(), check: 'ci', suite: true, conclusion: 'success' }),
    ).run;
    run = decide(flow, run, ev('issue.closed')).run!;
    expect(run.status).toBe('done');
  });

  it('otherwise cancels the run, and reopening resumes it', () => {
    const d = decide(flow, started(), ev('issue.closed'));
    expect(d.run!.status).toBe('cancelled');
    expect(of(d.effects, 'transition')[0]!.entry.kind).toBe('cancel');
    const r = decide(flow, d.run, ev('issue.reopened'));
    expect(r.run!.status).toBe('active');
    expect(r.run!.stage).toBe('spec');
  });

  it("a close the merge of the run's PR caused is no cancellation: the run stays where the merge took it", () => {
    const run = inReview();
    run.prs[0]!.state = 'merged'; // a stage after the merge (here: review), with no issue.closed transition
    const d = decide(flow, run, ev('issue.closed', { reason: 'completed', closedByMerge: 2 }));
    expect(d.run).toMatchObject({ stage: 'review', status: 'active' });
    expect(d.effects).toEqual([]);
    expect(d.note).toBe('closed by the merge of #2: the run stays in review');
  });

  it('a close naming a PR the run has not seen merged, or another PR, still cancels', () => {
    for (const closedByMerge of [2, 3]) {
      const d = decide(flow, inReview(), ev('issue.closed', { reason: 'completed', closedByMerge }));
      expect(d.run!.status).toBe('cancelled');
    }
  });
});
