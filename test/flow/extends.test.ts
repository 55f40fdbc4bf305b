// extends resolution: merge rules, chains, loops, depth, remote fetch failures, offline CLI case.
import {
  deepMerge,
  loadBundledPreset,
  parseBaseRef,
  presetNames,
  resolveExtends,
  type BaseRef,
  type FetchBase,
} from '../../src/flow/extends.js';
import { validateSource } from '../../src/flow/validate.js';

function source(text: string, path = 'child.yml') {
  const v = validateSource(text, path);
  if (!v.file) throw new Error(`fixture invalid: ${JSON.stringify(v.problems)}`);
  return { parsed: v.parsed, file: v.file };
}

const BASE = `version: 1
trigger: flow:base
roles:
  dev: alice
  qa: [bob]
risk:
  thresholds: { medium: 0.3, high: 0.7 }
  sensitive_paths: ["db/**"]
stages:
  - id: a
    owner: dev
    enter: [assign, risk]
    on: [{ event: pr.opened, to: b }]
  - id: b
    owner: qa
    on: [{ event: pr.merged, to: c }]
  - id: c
`;

function fetchFrom(files: Record<string, string>): { fetchBase: FetchBase; calls: BaseRef[] } {
  const calls: BaseRef[] = [];
  return {
    calls,
    fetchBase: async (ref) => {
      calls.push(ref);
      const text = files[ref.path];
      return text === undefined ? undefined : { text, path: `${ref.owner}/${ref.repo}:${ref.path}` };
    },
  };
}

describe('resolveExtends', () => {
  it('returns a file without extends as is', async () => {
    const r = await resolveExtends(source(BASE));
    expect(r.problems).toEqual([]);
    expect(r.resolved!.file.stages!.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(r.resolved!.sources).toEqual(['child.yml']);
  });

  it('merges roles, scalars, deep-merges risk and applies stage override/insert/remove by id', async () => {
    const child = `version: 1
extends: acme/flows:base.yml@v2
trigger: flow:child
roles:
  qa: carol
  ops: acme/ops
risk:
  thresholds: { high: 0.9 }
stages:
  - id: b
    owner: ops
    enter: [request_review]
  - id: x1
    after: a
    on: [{ event: command, command: go, to: b }]
  - id: x2
    after: a
    on: [{ event: command, command: go, to: b }]
  - id: y
    before: a
    on: [{ event: command, command: start, to: a }]
  - id: c
    remove: true
  - id: z
`;
    const { fetchBase, calls } = fetchFrom({ 'base.yml': BASE });
    const r = await resolveExtends(source(child), { fetchBase });
    expect(r.problems).toEqual([]);
    expect(calls).toEqual([{ owner: 'acme', repo: 'flows', path: 'base.yml', ref: 'v2' }]);
    const f = r.resolved!.file;
    expect(f.stages!.map((s) => s.id)).toEqual(['y', 'a', 'x1', 'x2', 'b', 'z']);
    const b = f.stages!.find((s) => s.id === 'b')!;
    expect(b.owner).toBe('ops');
    expect(b.enter).toEqual(['request_review']); // arrays replaced wholesale
    expect(b.on).toEqual([{ event: 'pr.merged', to: 'c' }]); // untouched fields kept
    expect(f.trigger).toBe('flow:child');
    expect(f.roles).toEqual({ dev: 'alice', qa: 'carol', ops: 'acme/ops' });
    expect(f.risk).toEqual({ thresholds: { medium: 0.3, high: 0.9 }, sensitive_paths: ['db/**'] });
    expect(f.extends).toBeUndefined();
    expect(r.resolved!.sources).toEqual(['acme/flows:base.yml', 'child.yml']);
    // Origins: the overridden owner comes from the child, the kept `on` from the base.
    const bi = f.stages!.findIndex((s) => s.id === 'b');
    expect(r.resolved!.origins.stages[bi]!.fields.owner!.src.path).toBe('child.yml');
    expect(r.resolved!.origins.stages[bi]!.fields.on!.src.path).toBe('acme/flows:base.yml');
  });

  it('moves an existing stage with before:', async () => {
    const child = `version: 1\nextends: acme/f:base.yml\nstages:\n  - id: c\n    before: b\n`;
    const r = await resolveExtends(source(child), fetchFrom({ 'base.yml': BASE }));
    expect(r.resolved!.file.stages!.map((s) => s.id)).toEqual(['a', 'c', 'b']);
  });

  it('resolves presets offline and reports unknown ones with the list', async () => {
    expect(presetNames()).toEqual(expect.arrayContaining(['feature', 'bugfix']));
    expect(loadBundledPreset('feature')!.path).toBe('preset:feature');
    expect(loadBundledPreset('nope')).toBeUndefined();
    const ok = await resolveExtends(source('version: 1\nextends: preset:bugfix\n'));
    expect(ok.resolved!.file.stages!.map((s) => s.id)).toEqual(['triage', 'fix', 'review', 'merge', 'done']);
    const bad = await resolveExtends(source('version: 1\nextends: preset:featur\n'));
    expect(bad.problems[0]).toMatchObject({ path: 'child.yml', line: 2, col: 10, severity: 'error' });
    expect(bad.problems[0]!.message).toContain('bundled presets: bugfix, feature');
  });

  it('uses an injected preset loader', async () => {
    const r = await resolveExtends(source('version: 1\nextends: preset:mine\n'), {
      loadPreset: (name) => (name === 'mine' ? { text: BASE, path: 'preset:mine' } : undefined),
    });
    expect(r.resolved!.sources).toEqual(['preset:mine', 'child.yml']);
  });

  it('without a fetcher, warns on the extends line and does not resolve', async () => {
    const r = await resolveExtends(source('version: 1\ntrigger: t\nextends: acme/flows:base.yml@main\n'));
    expect(r.resolved).toBeUndefined();
    expect(r.unresolvedBase).toBe('acme/flows:base.yml@main');
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ line: 3, col: 10, severity: 'warning' });
    expect(r.problems[0]!.message).toMatch(/offline/);
  });

  it('reports a fetch failure with the fix', async () => {
    const r = await resolveExtends(source('version: 1\nextends: acme/flows:base.yml\n'), {
      fetchBase: async () => {
        throw new Error('HTTP 403');
      },
    });
    expect(r.problems[0]!.message).toMatch(
      /could not fetch "acme\/flows:base.yml": HTTP 403 — check that the Baton app is installed on acme\/flows/,
    );
  });

  it('reports problems of the base in the base file', async () => {
    const r = await resolveExtends(
      source('version: 1\nextends: acme/flows:base.yml\n'),
      fetchFrom({ 'base.yml': 'version: 1\nstagez: []\n' }),
    );
    expect(r.resolved).toBeUndefined();
    expect(r.problems[0]).toMatchObject({ path: 'acme/flows:base.yml', line: 2, col: 1 });
  });

  it('reports loops with the chain', async () => {
    const files = {
      'a.yml': 'version: 1\nextends: acme/f:b.yml\n',
      'b.yml': 'version: 1\nextends: acme/f:a.yml\n',
    };
    const r = await resolveExtends(source(files['a.yml'], 'acme/f:a.yml'), fetchFrom(files));
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe('acme/f:b.yml');
    expect(r.problems[0]!.message).toContain('extends loop: acme/f:a.yml → acme/f:b.yml → acme/f:a.yml');
  });

  it('stops chains deeper than 5', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`f${i}.yml`] = `version: 1\nextends: acme/f:f${i + 1}.yml\n`;
    const r = await resolveExtends(source(files['f0.yml']!, 'acme/f:f0.yml'), fetchFrom(files));
    expect(r.resolved).toBeUndefined();
    expect(r.problems[0]!.message).toMatch(/deeper than 5/);
  });

  it('reports remove/before/after naming unknown base stages', async () => {
    const child = `version: 1
extends: acme/f:base.yml
stages:
  - id: q
    remove: true
  - id: n
    after: bb
`;
    const r = await resolveExtends(source(child), fetchFrom({ 'base.yml': BASE }));
    expect(r.problems.map((p) => [p.line, p.col])).toEqual([
      [4, 9],
      [7, 12],
    ]);
    expect(r.problems[0]!.message).toContain('remove: no stage "q" in the base flow');
    expect(r.problems[1]!.message).toContain('after: no stage "bb" in the base flow (did you mean "b"?)');
  });
});

describe('helpers', () => {
  it('parses remote base refs', () => {
    expect(parseBaseRef('acme/flows:.github/base.yml@v1')).toEqual({
      owner: 'acme',
      repo: 'flows',
      path: '.github/base.yml',
      ref: 'v1',
    });
    expect(parseBaseRef('acme/flows:base.yml')).toEqual({ owner: 'acme', repo: 'flows', path: 'base.yml' });
    expect(parseBaseRef('preset:x')).toBeUndefined();
  });

  it('deep-merges maps and replaces arrays', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] } })).toEqual({ a: { b: 1, c: [3] }, d: 1 });
  });
});

describe('api: merged over a base', () => {
  it("keeps the base's explicit settings when the child only adds a field, and fills defaults once merged", async () => {
    const { loadFlow } = await import('../../src/flow/load.js');
    const base = `${BASE}api:\n  enabled: false\n  show_owner: true\n  fields:\n    team: { required: true, max_length: 40 }\n`;
    const child = `version: 1\nextends: acme/flows:base.yml\napi:\n  fields:\n    region: { description: Where it runs }\n`;
    const { fetchBase } = fetchFrom({ 'base.yml': base });
    const r = await loadFlow(child, '.github/flow.yml', { fetchBase });
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(r.flow?.api).toEqual({
      enabled: false,
      show_owner: true,
      fields: {
        team: { required: true, max_length: 40 },
        region: { description: 'Where it runs', required: false, max_length: 500 },
      },
    });
  });
});
