// Offline risk scorer: a logistic model over JIT change metrics, explained in plain words.
//
// The metrics are Kamei et al.'s (IEEE TSE 2013, "A large-scale empirical study of just-in-time quality assurance").
// The weights are no longer theirs: Kamei's literature weights ranked worse than lines added alone on public defect
// data, so they were re-derived on it — the Kamei-metric datasets with SZZ labels published with Zeng et al.
// (ISSTA 2021; Gerrit, Go, Eclipse JDT, OpenStack, Eclipse Platform, Qt) — by a logistic regression with one
// intercept per project (a weight then says what raises risk WITHIN a project, not which project is buggier), each
// project weighted equally, fitted on the commits before 2017 only, and rounded. Each term was checked fitted on each
// project alone and leaving each project out; a metric keeps a weight only when its sign holds across projects.
// What the data say (weights per doubling, log2(1 + x), unless noted: the effects are multiplicative):
//  - Lines added (la) is by far the strongest predictor, in every project: bigger changes induce more defects.
//  - Lines deleted (ld) adds almost nothing once la is known (Kamei sum the two): deleting code is far safer than
//    writing it, so ld weighs a tenth of la.
//  - Files (nf) and entropy (how evenly the lines spread over the files) are positive in five projects of six:
//    scattered changes are harder to review and keep consistent. Directories (nd) and subsystems (ns) change sign
//    from project to project once nf is known (they are collinear with it): no weight.
//  - fix is positive in every project: bug-fixing changes touch already-faulty code.
//  - age is weakly negative in every project: files that changed recently are churning (Kamei's sign).
//  - Experience (exp) is weakly negative, Kamei's sign, but small (fitted about -0.015): once size is known little
//    is left, and in the range Baton counts (up to 100 prior commits) newcomers were not riskier in these data.
//    Subsystem experience (sexp), prior developers (ndev) and prior changes (nuc) change sign between projects,
//    where Kamei found them consistent: no weight. They are still described, for a fitted model that weighs them
//    (score-model.ts).
// Baton's own signals are absent from the public data (0 there, so they do not change its figures) but reviewers
// care about them: sensitive paths (schema, auth, CI, infra), dependency manifests, code changed without tests, and
// the author's first change in a subsystem (which carries "new to this code" now that exp weighs little). Their
// weights are judgement: each moves the score as much as one to four doublings of la, sensitive paths the most.
// On the 2017-2018 commits these weights rank at AUC 0.748 against 0.714 for lines added alone, and above lines added
// in each of the five projects with commits then, and on a dataset they were not derived from (ApacheJIT's test
// split, 14 Apache projects) at 0.822 against 0.781 (README, "Fitting the risk scorer"). The intercept is calibrated so
// that on a log-normal change-size distribution (median ~40 changed lines, a long tail into thousands) about 10-15%
// of changes are `high` (test/tasks/score.test.ts checks ≤ 20%). Unknown metrics (undefined) count as the typical
// change's: they contribute nothing.
import type { ChangeMetrics } from './metrics.js';

export type RiskLevel = 'low' | 'medium' | 'high';

export interface RiskScore {
  score: number;
  level: RiskLevel;
  reasons: string[];
}

export interface Thresholds {
  medium: number;
  high: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { medium: 0.4, high: 0.7 };

/** Metrics the scorer reads; everything but the size is optional (unknown = no contribution). */
export type ScoreInput = Pick<ChangeMetrics, 'la' | 'ld' | 'nf'> & Partial<Omit<ChangeMetrics, 'la' | 'ld' | 'nf'>>;

export const COEFFICIENTS = {
  intercept: -2.7,
  la: 0.3, // per doubling of lines added
  ld: 0.03, // per doubling of lines deleted
  nf: 0.25, // per doubling of files
  entropy: 0.2, // normalised entropy in [0,1]
  fix: 0.75,
  age: -0.05, // per doubling of days since the touched files last changed
  exp: -0.03, // per doubling of the author's prior commits
  sensitive: 1.3, // first sensitive path
  sensitiveExtra: 0.25, // each further one (up to 3)
  deps: 0.5,
  untested: 0.4, // code changed, no test touched
  newSubsystem: 0.35, // author's first change in a subsystem
} as const;

/** The typical change the terms are measured against, so that reasons name what is unusual about this one. */
const TYPICAL = { la: 30, ld: 10, nf: 3, entropy: 0.5, age: 60, exp: 30 } as const;

const log2p = (x: number) => Math.log2(1 + Math.max(0, x));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const plural = (n: number, one: string, many = one + 's') => `${fmt(n)} ${n === 1 ? one : many}`;

function shorten(path: string, max = 60): string {
  return path.length <= max ? path : path.slice(0, max - 1) + '…';
}

/** '.' is how metrics name the repository root's files. */
const subsystemName = (s: string) => (s === '.' ? 'top-level files' : `\`${s}\``);

interface Term {
  value: number; // contribution to the log-odds above a typical change; 0 for a metric the scorer does not weigh
  reason?: string;
  /** Reasons of one group say one thing (the author's experience): only the strongest is given. */
  group?: 'experience';
}

/**
 * One term per known metric, measured against TYPICAL so reasons name what is unusual. Metrics without a weight
 * (nd, ns, ndev, nuc, sexp: no consistent sign in the data) are still described, with value 0, for `describeMetrics`.
 */
function terms(m: ScoreInput): Term[] {
  const c = COEFFICIENTS;
  const t: Term[] = [];
  const nd = m.nd ?? 1;
  t.push({
    value:
      c.la * (log2p(m.la) - log2p(TYPICAL.la)) +
      c.ld * (log2p(m.ld) - log2p(TYPICAL.ld)) +
      c.nf * (log2p(m.nf) - log2p(TYPICAL.nf)),
    reason: `+${fmt(m.la)}/-${fmt(m.ld)} lines across ${plural(m.nf, 'file')} in ${plural(nd, 'directory', 'directories')}`,
  });
  if (m.ns !== undefined)
    t.push({
      value: 0,
      reason: `spans ${plural(m.ns, 'subsystem')}${m.subsystems?.length ? ` (${m.subsystems.slice(0, 4).map(subsystemName).join(', ')}${m.subsystems.length > 4 ? ', …' : ''})` : ''}`,
    });
  if (m.entropy !== undefined)
    t.push({
      value: c.entropy * (m.entropy - TYPICAL.entropy),
      reason: `changes spread evenly across files (entropy ${m.entropy.toFixed(2)})`,
    });
  if (m.fix) t.push({ value: c.fix, reason: 'bug-fix change (fixes tend to touch fault-prone code)' });
  if (m.ndev !== undefined)
    t.push({ value: 0, reason: `touched files were changed by ${plural(m.ndev, 'developer')} before` });
  if (m.nuc !== undefined) t.push({ value: 0, reason: `touched files have ${plural(m.nuc, 'prior change')}` });
  if (m.age !== undefined && m.nuc !== 0)
    t.push({
      value: c.age * (log2p(m.age) - log2p(TYPICAL.age)),
      reason: `touched files changed recently (mean ${fmt(m.age)} days ago)`,
    });
  if (m.exp !== undefined)
    t.push({
      group: 'experience',
      value: c.exp * (log2p(m.exp) - log2p(TYPICAL.exp)),
      reason:
        m.exp === 0
          ? "author's first change in this repository"
          : `author has ${plural(m.exp, 'prior commit')} in this repository`,
    });
  // With no prior commit at all, "first change in this repository" already says it: no second, redundant reason.
  if (m.sexp !== undefined)
    t.push({
      group: 'experience',
      value: 0,
      reason: m.exp === 0 ? undefined : `author has ${plural(m.sexp, 'prior commit')} in the touched subsystems`,
    });
  const sens = m.sensitive ?? [];
  if (sens.length)
    t.push({
      value: c.sensitive + c.sensitiveExtra * Math.min(3, sens.length - 1),
      reason: `touches sensitive path${sens.length > 1 ? 's' : ''} ${sens
        .slice(0, 3)
        .map((p) => `\`${shorten(p)}\``)
        .join(', ')}${sens.length > 3 ? ` and ${sens.length - 3} more` : ''}`,
    });
  const deps = m.deps ?? [];
  if (deps.length)
    t.push({
      value: c.deps,
      reason: `changes dependency manifest${deps.length > 1 ? 's' : ''} ${deps
        .slice(0, 3)
        .map((p) => `\`${shorten(p)}\``)
        .join(', ')}`,
    });
  if ((m.codeTouched ?? 0) > 0 && m.testsTouched === 0)
    t.push({ value: c.untested, reason: `${plural(m.codeTouched ?? 0, 'code file')} changed, no test changed` });
  const fresh = m.newSubsystems ?? [];
  if (fresh.length && m.exp !== undefined)
    t.push({
      group: 'experience',
      value: c.newSubsystem,
      reason: m.exp === 0 ? undefined : `author's first change in ${fresh.slice(0, 3).map(subsystemName).join(', ')}`,
    });
  return t;
}

/** Baseline log-odds of the typical change the terms are measured against. */
function baseline(): number {
  const c = COEFFICIENTS;
  return (
    c.intercept +
    c.la * log2p(TYPICAL.la) +
    c.ld * log2p(TYPICAL.ld) +
    c.nf * log2p(TYPICAL.nf) +
    c.entropy * TYPICAL.entropy +
    c.age * log2p(TYPICAL.age) +
    c.exp * log2p(TYPICAL.exp)
  );
}

/**
 * Plain descriptions of the change's metrics, the size line first, for a fitted model's reasons (score-model.ts):
 * every known metric, weighted here or not, except those this scorer finds below typical risk — their wording
 * ("changed recently", "spread evenly") is only true on the risky side.
 */
export function describeMetrics(m: ScoreInput): string[] {
  const [size, ...rest] = terms(m);
  return [size!, ...rest.filter((x) => x.value >= 0)].flatMap((x) => (x.reason ? [x.reason] : []));
}

export function levelFor(score: number, th: Thresholds = DEFAULT_THRESHOLDS): RiskLevel {
  return score >= th.high ? 'high' : score >= th.medium ? 'medium' : 'low';
}

export function scoreChange(m: ScoreInput, thresholds: Partial<Thresholds> = {}): RiskScore {
  const th = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const ts = terms(m);
  const z = baseline() + ts.reduce((a, x) => a + x.value, 0);
  const score = Math.round((1 / (1 + Math.exp(-z))) * 1000) / 1000;
  // Reasons: the terms that push risk up, strongest first; the size line always leads as context.
  const groups = new Set<string>();
  const up = ts
    .slice(1)
    .filter((x) => x.value > 0.05 && x.reason)
    .sort((a, b) => b.value - a.value)
    .filter((x) => !x.group || (!groups.has(x.group) && !!groups.add(x.group)));
  const reasons = [...ts.slice(0, 1), ...up.slice(0, 4)].flatMap((x) => (x.reason ? [x.reason] : []));
  return { score, level: levelFor(score, th), reasons };
}
