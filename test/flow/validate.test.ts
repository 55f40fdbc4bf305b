// Single-file validation: zod issues turned into located, actionable messages, and per-file checks.
import { validateSource } from '../../src/flow/validate.js';

function errors(text: string) {
  return validateSource(text, 'f.yml').problems.filter((p) => p.severity === 'error');
}

const HEAD = 'version: 1\ntrigger: t\n';

describe('validateSource', () => {
  it('accepts a schema-valid file', () => {
    const r = validateSource(`${HEAD}stages:\n  - id: a\n`, 'f.yml');
    expect(r.problems).toEqual([]);
    expect(r.file?.stages?.[0]?.id).toBe('a');
  });

  it('reports an empty file', () => {
    expect(errors('')[0]!.message).toMatch(/empty/);
    expect(errors('# only a comment\n')[0]!.message).toMatch(/empty/);
  });

  it('reports a missing version at the root map', () => {
    const [e] = errors('trigger: t\nstages:\n  - id: a\n');
    expect(e).toMatchObject({ line: 1, col: 1 });
    expect(e!.message).toContain('missing required key "version"');
  });

  it('reports a missing stage id at the stage', () => {
    const [e] = errors(`${HEAD}stages:\n  - owner: x\n`);
    expect(e).toMatchObject({ line: 4, col: 5 });
    expect(e!.message).toBe('stages[0]: missing required key "id" — every stage needs an `id:`');
  });

  it('lists allowed keys when no suggestion is close', () => {
    const [e] = errors(`${HEAD}stages:\n  - id: a\n    zzzzzz: 1\n`);
    expect(e).toMatchObject({ line: 5, col: 5 });
    expect(e!.message).toMatch(/unknown key "zzzzzz" — allowed keys: id, name, owner/);
  });

  it('picks the matching alternative of a union (actions)', () => {
    const [e] = errors(`${HEAD}stages:\n  - id: a\n    enter:\n      - comment: 5\n`);
    expect(e!.message).toBe('stages[0].enter[0].comment: expected a string, got number 5 — quote it: `"5"`');
    expect(e).toMatchObject({ line: 6, col: 18 });
    const [k] = errors(`${HEAD}stages:\n  - id: a\n    enter:\n      - commment: hi\n`);
    expect(k!.message).toMatch(/unknown action "commment" \(did you mean "comment"\?\)/);
    const [l] = errors(`${HEAD}stages:\n  - id: a\n    enter:\n      - label: { add: x }\n`);
    expect(l!.message).toBe('stages[0].enter[0].label.add: expected a list, got string "x"');
  });

  it('explains a role of the wrong type', () => {
    const [e] = errors(`${HEAD}roles:\n  qa: 5\n`);
    expect(e!.message).toMatch(
      /roles\.qa: expected a GitHub login, an org\/team slug, or a list of them; got number 5/,
    );
    expect(e).toMatchObject({ line: 4, col: 7 });
  });

  it('reports a bad role name at the key', () => {
    const [e] = errors(`${HEAD}roles:\n  QA: alice\n`);
    expect(e).toMatchObject({ line: 4, col: 3 });
    expect(e!.message).toMatch(/invalid key "QA" — a role name is lower-case/);
  });

  it('reports bounds', () => {
    const [e] = errors(`${HEAD}stages:\n  - id: a\n    on:\n      - { event: review.approved, approvals: 0, to: a }\n`);
    expect(e!.message).toMatch(/approvals: must be at least 1/);
  });

  it('checks every guard against its event', () => {
    const text = `${HEAD}stages:
  - id: a
    on:
      - { event: pr.opened, approvals: 2, approved_by: dev, conclusion: success, check: ci, command: go, to: a }
`;
    const msgs = errors(text).map((p) => p.message);
    expect(msgs).toHaveLength(5);
    for (const g of ['approvals', 'approved_by', 'conclusion', 'check', 'command'])
      expect(msgs.some((m) => m.includes(`"${g}" guard`))).toBe(true);
  });

  it('accepts guards on their own event', () => {
    const text = `${HEAD}stages:
  - id: a
    on:
      - { event: review.approved, approvals: 2, approved_by: dev, to: a }
      - { event: checks.completed, conclusion: [success, neutral], check: ci, to: a }
      - { event: issue.unlabeled, label: blocked, to: a }
      - { event: command, command: ship, to: a }
`;
    expect(errors(text)).toEqual([]);
  });

  it('refuses before and after together', () => {
    const text = `version: 1\nextends: preset:feature\nstages:\n  - id: x\n    before: build\n    after: spec\n`;
    const [e] = errors(text);
    expect(e!.message).toMatch(/either before: or after:/);
    expect(e).toMatchObject({ line: 6, col: 5 });
  });
});
