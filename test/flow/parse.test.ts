import { formatPath, parseYaml, positionOf, valueAt } from '../../src/flow/parse.js';

const TEXT = `version: 1
stages:
  - id: spec
    owner:
    on:
      - { event: pr.opened, to: build }
  - id: build
`;

describe('parseYaml / positionOf', () => {
  const parsed = parseYaml(TEXT, 'flow.yml');

  it('keeps the plain data', () => {
    expect(parsed.problems).toEqual([]);
    expect(valueAt(parsed.data, ['stages', 0, 'on', 0, 'to'])).toBe('build');
    expect(valueAt(parsed.data, ['stages', 5, 'id'])).toBeUndefined();
  });

  it('maps a path to the 1-based line:col of its value', () => {
    expect(positionOf(parsed, ['stages', 0, 'on', 0, 'to'])).toEqual({ line: 6, col: 33 });
    expect(positionOf(parsed, ['stages', 1, 'id'])).toEqual({ line: 7, col: 9 });
    expect(positionOf(parsed, ['version'])).toEqual({ line: 1, col: 10 });
  });

  it('points at the key when asked, and at the key of an empty value', () => {
    expect(positionOf(parsed, ['stages', 0, 'on'], { key: true })).toEqual({ line: 5, col: 5 });
    expect(positionOf(parsed, ['stages', 0, 'owner'])).toEqual({ line: 4, col: 5 });
  });

  it('falls back to the deepest existing node for a missing path', () => {
    expect(positionOf(parsed, ['stages', 1, 'owner'])).toEqual({ line: 7, col: 5 });
    expect(positionOf(parsed, ['nope', 'deeper'])).toEqual({ line: 1, col: 1 });
  });

  it('reports syntax errors at the offending token, with a fix hint', () => {
    const bad = parseYaml('stages:\n  - id: spec\n   owner: pm\n', 'bad.yml');
    expect(bad.data).toBeUndefined();
    expect(bad.problems[0]).toMatchObject({ path: 'bad.yml', line: 3, col: 4, severity: 'error' });
    expect(bad.problems[0]!.message).toMatch(/indentation/);
  });

  it('treats duplicate keys as errors naming the key', () => {
    const dup = parseYaml('version: 1\ntrigger: a\ntrigger: b\n', 'dup.yml');
    expect(dup.problems).toHaveLength(1);
    expect(dup.problems[0]).toMatchObject({ line: 3, col: 1, severity: 'error' });
    expect(dup.problems[0]!.message).toContain('duplicate key "trigger"');
  });

  it('reports an unclosed flow sequence', () => {
    const bad = parseYaml('version: 1\nstages: [a, b\n', 'x.yml');
    expect(bad.problems.some((p) => p.severity === 'error')).toBe(true);
  });

  it('formats paths the way messages show them', () => {
    expect(formatPath(['stages', 2, 'on', 0, 'to'])).toBe('stages[2].on[0].to');
    expect(formatPath([])).toBe('');
  });
});
