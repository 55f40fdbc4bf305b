import { describeMetrics, scoreChange, levelFor, type ScoreInput } from '../../src/tasks/risk/score.js';
import { population } from './synthetic.js';

test('on a realistic (log-normal) population at most 20% of changes are high, and not none', () => {
  const scores = population(4000).map((m) => scoreChange(m));
  const high = scores.filter((s) => s.level === 'high').length / scores.length;
  const low = scores.filter((s) => s.level === 'low').length / scores.length;
  expect(high).toBeLessThanOrEqual(0.2);
  expect(high).toBeGreaterThan(0.03);
  expect(low).toBeGreaterThan(0.5);
  for (const s of scores) expect(s.score).toBeGreaterThanOrEqual(0), expect(s.score).toBeLessThanOrEqual(1);
});

const base: ScoreInput = {
  la: 60,
  ld: 20,
  nf: 4,
  nd: 2,
  ns: 1,
  entropy: 0.6,
  fix: false,
  ndev: 3,
  nuc: 10,
  age: 60,
  exp: 40,
  sexp: 10,
  sensitive: [],
  deps: [],
  testsTouched: 1,
  codeTouched: 3,
};

function ranks(vary: (x: number) => Partial<ScoreInput>, xs: number[]): number[] {
  return xs.map((x) => scoreChange({ ...base, ...vary(x) }).score);
}

const increasing = (a: number[]) => a.every((v, i) => i === 0 || v > a[i - 1]!);

test('risk rises with size, spread and entropy, and with inexperience', () => {
  expect(increasing(ranks((x) => ({ la: x, ld: x / 4 }), [5, 50, 500, 5000]))).toBe(true);
  expect(increasing(ranks((x) => ({ nf: x, nd: Math.ceil(x / 2) }), [1, 4, 16, 64]))).toBe(true);
  expect(increasing(ranks((x) => ({ entropy: x }), [0, 0.3, 0.6, 0.95]))).toBe(true);
  expect(increasing(ranks((x) => ({ exp: x, sexp: Math.floor(x / 4) }), [1000, 100, 10, 0]))).toBe(true);
  expect(scoreChange({ ...base, fix: true }).score).toBeGreaterThan(scoreChange(base).score);
  expect(scoreChange({ ...base, sensitive: ['db/migrations/1.sql'] }).score).toBeGreaterThan(scoreChange(base).score);
});

test('reasons say what is unusual in plain words', () => {
  const r = scoreChange({
    ...base,
    la: 1400,
    ld: 39,
    nf: 80,
    nd: 4,
    exp: 2,
    sexp: 0,
    sensitive: ['db/migrations/2026_add_index.sql'],
    newSubsystems: ['src/billing'],
    subsystems: ['src/billing'],
  });
  expect(r.level).toBe('high');
  expect(r.reasons[0]).toBe('+1,400/-39 lines across 80 files in 4 directories');
  // One line about the author's experience, not two near-identical ones.
  expect(r.reasons.filter((x) => /^author/.test(x))).toHaveLength(1);
  expect(r.reasons.some((x) => x.includes('touches sensitive path `db/migrations/2026_add_index.sql`'))).toBe(true);
  expect(r.reasons.length).toBeLessThanOrEqual(5);
});

test('a small, tested change by an experienced author is low; thresholds come from config', () => {
  const small = scoreChange({ ...base, la: 8, ld: 2, nf: 1, nd: 1, entropy: 0, exp: 300, sexp: 80 });
  expect(small.level).toBe('low');
  expect(scoreChange({ ...base, la: 8, ld: 2, nf: 1, nd: 1 }, { medium: 0.01, high: 0.02 }).level).toBe('high');
  expect(levelFor(0.5, { medium: 0.4, high: 0.7 })).toBe('medium');
});

test('unknown history metrics are neutral, not scored as zero experience', () => {
  const unknown = scoreChange({ la: 60, ld: 20, nf: 4 });
  const newcomer = scoreChange({ la: 60, ld: 20, nf: 4, exp: 0 });
  expect(newcomer.score).toBeGreaterThan(unknown.score);
});

test('added lines weigh far more than deleted ones (public defect data: deleting code is the safe side)', () => {
  const adds = scoreChange({ ...base, la: 2000, ld: 20 });
  const deletes = scoreChange({ ...base, la: 20, ld: 2000 });
  expect(adds.score).toBeGreaterThan(deletes.score);
  expect(deletes.level).not.toBe('high');
});

test('a metric on its low-risk side is never given as a reason for risk', () => {
  // Old files and a long-standing author lower the score: no "changed recently", no experience line.
  const r = scoreChange({ ...base, la: 2000, ld: 100, nf: 30, age: 2000, exp: 5000, sexp: 900, entropy: 0.1 });
  expect(r.reasons.filter((x) => /changed recently|prior commit|spread evenly/.test(x))).toEqual([]);
  expect(scoreChange({ ...base, exp: 0 }).reasons).toContain("author's first change in this repository");
  expect(scoreChange({ ...base, age: 3 }).reasons).toContain('touched files changed recently (mean 3 days ago)');
});

test('metrics the built-in does not weigh are still described, for a fitted model that does', () => {
  const m = { ...base, nuc: 400, ndev: 25, age: 2000 };
  expect(scoreChange(m).reasons.some((x) => /prior change|developer/.test(x))).toBe(false);
  const d = describeMetrics(m);
  expect(d[0]).toBe(scoreChange(m).reasons[0]);
  expect(d).toContain('touched files have 400 prior changes');
  expect(d).toContain('touched files were changed by 25 developers before');
  // Old files are the low-risk side here: "changed recently" would not be true.
  expect(d.some((x) => /changed recently/.test(x))).toBe(false);
});

test('the product story holds: auth and infra across many files by a newcomer is high, a 5-line docs fix low', () => {
  const risky = scoreChange({
    la: 420,
    ld: 60,
    nf: 14,
    nd: 6,
    ns: 3,
    entropy: 0.8,
    fix: false,
    exp: 0,
    sexp: 0,
    ndev: 4,
    nuc: 30,
    age: 20,
    sensitive: ['src/auth/session.ts', 'infra/main.tf'],
    deps: [],
    testsTouched: 0,
    codeTouched: 12,
    newSubsystems: ['infra', 'src'],
    subsystems: ['infra', 'src'],
  });
  expect(risky.level).toBe('high');
  const docs = scoreChange({
    la: 4,
    ld: 1,
    nf: 1,
    nd: 1,
    ns: 1,
    entropy: 0,
    fix: true,
    exp: 40,
    sexp: 5,
    ndev: 3,
    nuc: 10,
    age: 30,
    sensitive: [],
    deps: [],
    testsTouched: 0,
    codeTouched: 0,
  });
  expect(docs.level).toBe('low');
});
