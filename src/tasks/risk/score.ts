// Offline risk scorer: a logistic model over JIT change metrics, explained in plain words.
//
// Why these features and signs (Kamei et al., IEEE TSE 2013, "A large-scale empirical study of just-in-time quality
// assurance", 11 projects, logistic regression on log-transformed metrics):
//  - Size (la, ld, and la relative to file size) was among the strongest predictors; bigger changes are more likely to
//    induce defects. We use log2(1+la+ld) because the effect is multiplicative (doubling a change adds a fixed amount
//    of log-odds), which is why Kamei log-transform the size metrics.
//  - Diffusion (nf, nd, ns, entropy) is positive: scattered changes are harder to review and to keep consistent.
//    nf and entropy were among the strongest; ns/nd were collinear with nf, so they get smaller weights here.
//  - fix is positive: bug-fixing changes induce more defects (they touch already-faulty code, often in a hurry).
//  - Experience (exp, sexp) is negative: authors new to the code, and especially to the subsystem, err more.
//  - History: ndev and nuc are positive (many hands, many prior changes = churn-prone code); age is weakly negative
//    (old, stable files change safely). These were weaker in the study, so their weights are small.
// Baton adds signals the study lacked but reviewers care about: sensitive paths (schema, auth, CI, infra), dependency
// manifests, code changed without tests, and the author's first change in a subsystem (sexp = 0 in that subsystem).
// The coefficients keep Kamei's signs and relative strengths; the intercept is calibrated so that on a log-normal
// change-size distribution (median ~40 changed lines, a long tail into thousands) about 10-15% of changes are `high`
// (test/tasks/score.test.ts checks ≤ 20%). Unknown history metrics (undefined) contribute nothing.
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
  intercept: -3.9,
  size: 0.42, // per doubling of la+ld
  nf: 0.3, // per doubling of files
  nd: 0.15, // per doubling of directories
  ns: 0.25, // per extra subsystem (capped at 5)
  entropy: 1.0, // normalised entropy in [0,1]
  fix: 0.6,
  ndev: 0.12, // per doubling of prior developers
  nuc: 0.08, // per doubling of prior changes
  age: -0.08, // per doubling of days since last change
  exp: -0.22, // per doubling of the author's prior commits
  sexp: -0.15, // per doubling of the author's prior commits in the subsystem
  sensitive: 1.3, // first sensitive path
  sensitiveExtra: 0.25, // each further one (up to 3)
  deps: 0.5,
  untested: 0.4, // code changed, no test touched
  newSubsystem: 0.35, // author's first change in a subsystem
} as const;

const log2p = (x: number) => Math.log2(1 + Math.max(0, x));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const plural = (n: number, one: string, many = one + 's') => `${fmt(n)} ${n === 1 ? one : many}`;

function shorten(path: string, max = 60): string {
  return path.length <= max ? path : path.slice(0, max - 1) + '…';
}

/** '.' is how metrics name the repository root's files. */
const subsystemName = (s: string) => (s === '.' ? 'top-level files' : `\`${s}\``);

interface Term {
  value: number; // contribution to the log-odds above a typical change
  reason?: string;
  /** Reasons of one group say one thing (the author's experience): only the strongest is given. */
  group?: 'experience';
}

/** Each term is measured against a typical change (≈40 lines, 3 files, experienced author), so reasons name what is unusual. */
function terms(m: ScoreInput): Term[] {
  const c = COEFFICIENTS;
  const t: Term[] = [];
  const churn = m.la + m.ld;
  const nd = m.nd ?? 1;
  t.push({
    value: c.size * (log2p(churn) - log2p(40)) + c.nf * (log2p(m.nf) - log2p(3)) + c.nd * (log2p(nd) - log2p(1)),
    reason: `+${fmt(m.la)}/-${fmt(m.ld)} lines across ${plural(m.nf, 'file')} in ${plural(nd, 'directory', 'directories')}`,
  });
  if (m.ns !== undefined)
    t.push({
      value: c.ns * (Math.min(m.ns, 5) - 1),
      reason: `spans ${plural(m.ns, 'subsystem')}${m.subsystems?.length ? ` (${m.subsystems.slice(0, 4).map(subsystemName).join(', ')}${m.subsystems.length > 4 ? ', …' : ''})` : ''}`,
    });
  if (m.entropy !== undefined)
    t.push({
      value: c.entropy * (m.entropy - 0.5),
      reason: `changes spread evenly across files (entropy ${m.entropy.toFixed(2)})`,
    });
  if (m.fix) t.push({ value: c.fix, reason: 'bug-fix change (fixes tend to touch fault-prone code)' });
  if (m.ndev !== undefined)
    t.push({
      value: c.ndev * (log2p(m.ndev) - log2p(3)),
      reason: `touched files were changed by ${plural(m.ndev, 'developer')} before`,
    });
  if (m.nuc !== undefined)
    t.push({
      value: c.nuc * (log2p(m.nuc) - log2p(10)),
      reason: `touched files have ${plural(m.nuc, 'prior change')}`,
    });
  if (m.age !== undefined && m.nuc !== 0)
    t.push({
      value: c.age * (log2p(m.age) - log2p(60)),
      reason: `touched files changed recently (mean ${fmt(m.age)} days ago)`,
    });
  if (m.exp !== undefined)
    t.push({
      group: 'experience',
      value: c.exp * (log2p(m.exp) - log2p(30)),
      reason:
        m.exp === 0
          ? "author's first change in this repository"
          : `author has ${plural(m.exp, 'prior commit')} in this repository`,
    });
  // With no prior commit at all, "first change in this repository" already says it: no second, redundant reason.
  if (m.sexp !== undefined)
    t.push({
      group: 'experience',
      value: c.sexp * (log2p(m.sexp) - log2p(10)),
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
    c.size * log2p(40) +
    c.nf * log2p(3) +
    c.nd * log2p(1) +
    c.entropy * 0.5 +
    c.ndev * log2p(3) +
    c.nuc * log2p(10) +
    c.age * log2p(60) +
    c.exp * log2p(30) +
    c.sexp * log2p(10)
  );
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
