// A risk model fitted to a team's own history: L2-regularised logistic regression on log-transformed JIT metrics
// (Kamei et al. 2013 log-transform the skewed size/history metrics for the same reason), standardised, fitted by
// Newton's method (IRLS; the linear solves by ml-matrix). Validation is time-ordered — train on older changes,
// measure on newer ones — because a random split leaks the future into the past and flatters every JIT model.
// Pure: rows in, model out; the CLI and the risk task do the file I/O.
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import type { ScoreInput } from './score.js';

/** The model's inputs, in order. Counts are log1p-transformed; entropy is normalised to [0,1]; flags are 0/1. */
export const FEATURES = [
  'la',
  'ld',
  'nf',
  'nd',
  'ns',
  'entropy',
  'fix',
  'ndev',
  'age',
  'nuc',
  'exp',
  'rexp',
  'sexp',
  'sensitive',
  'deps',
  'untested',
] as const;
export type Feature = (typeof FEATURES)[number];

export interface RiskModel {
  kind: 'baton-risk-model';
  version: 1;
  features: Feature[];
  /** Standardisation of the transformed features (the coefficients are per standard deviation). */
  mean: number[];
  std: number[];
  coef: number[];
  intercept: number;
  l2: number;
  /** Score at or above which a change is `high`: the share of training changes flagged high is `highShare`. */
  high: number;
  highShare: number;
  trainedOn: { rows: number; from: string; until: string; buggyShare: number };
  validation?: { rows: number; from: string; until: string; auc: number | null };
  convention: string;
  provenance: string;
}

/** One labelled change of a history. */
export interface HistoryRow {
  metrics: ScoreInput;
  buggy: boolean;
  at: number;
}

const log1p = (x: number | undefined) => Math.log1p(Math.max(0, x ?? 0));

/** The transformed feature vector; unknown metrics take the training mean (after standardising: 0 = no effect). */
export function featureVector(m: ScoreInput, mean?: number[]): number[] {
  const raw: Record<Feature, number | undefined> = {
    la: log1p(m.la),
    ld: log1p(m.ld),
    nf: log1p(m.nf),
    nd: m.nd === undefined ? undefined : log1p(m.nd),
    ns: m.ns === undefined ? undefined : log1p(m.ns),
    entropy: m.entropy,
    fix: m.fix === undefined ? undefined : m.fix ? 1 : 0,
    ndev: m.ndev === undefined ? undefined : log1p(m.ndev),
    age: m.age === undefined ? undefined : log1p(m.age),
    nuc: m.nuc === undefined ? undefined : log1p(m.nuc),
    exp: m.exp === undefined ? undefined : log1p(m.exp),
    rexp: m.rexp === undefined ? undefined : log1p(m.rexp),
    sexp: m.sexp === undefined ? undefined : log1p(m.sexp),
    sensitive: m.sensitive === undefined ? undefined : m.sensitive.length ? 1 : 0,
    deps: m.deps === undefined ? undefined : m.deps.length ? 1 : 0,
    untested:
      m.codeTouched === undefined || m.testsTouched === undefined
        ? undefined
        : m.codeTouched > 0 && m.testsTouched === 0
          ? 1
          : 0,
  };
  return FEATURES.map((f, i) => raw[f] ?? mean?.[i] ?? 0);
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * L2-penalised logistic regression by Newton's method. `X` is standardised; the intercept is not penalised.
 * Converges in a handful of iterations for this size of problem (tens of features, thousands of rows).
 */
export function fitLogistic(
  X: number[][],
  y: number[],
  l2: number,
  iterations = 50,
): { coef: number[]; intercept: number } {
  const n = X.length;
  const p = (X[0]?.length ?? 0) + 1;
  let w = new Array<number>(p).fill(0);
  const prior = Math.min(0.99, Math.max(0.01, y.reduce((a, b) => a + b, 0) / Math.max(1, n)));
  w[0] = Math.log(prior / (1 - prior));
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(p).fill(0);
    const H = Matrix.zeros(p, p);
    for (let i = 0; i < n; i++) {
      const xi = [1, ...X[i]!];
      let z = 0;
      for (let j = 0; j < p; j++) z += w[j]! * xi[j]!;
      const mu = sigmoid(z);
      const r = mu - y[i]!;
      const s = Math.max(mu * (1 - mu), 1e-9);
      for (let j = 0; j < p; j++) {
        grad[j]! += r * xi[j]!;
        for (let k = j; k < p; k++) H.set(j, k, H.get(j, k) + s * xi[j]! * xi[k]!);
      }
    }
    for (let j = 0; j < p; j++) {
      for (let k = 0; k < j; k++) H.set(j, k, H.get(k, j));
      if (j > 0) {
        grad[j]! += l2 * w[j]!;
        H.set(j, j, H.get(j, j) + l2);
      }
    }
    H.set(0, 0, H.get(0, 0) + 1e-9);
    const step = new CholeskyDecomposition(H).solve(Matrix.columnVector(grad)).to1DArray();
    let max = 0;
    w = w.map((v, j) => {
      max = Math.max(max, Math.abs(step[j]!));
      return v - step[j]!;
    });
    if (max < 1e-8) break;
  }
  return { intercept: w[0]!, coef: w.slice(1) };
}

/** Area under the ROC curve (Mann–Whitney U, ties count half). Null when one class is absent. */
export function auc(scores: readonly number[], labels: readonly boolean[]): number | null {
  const idx = scores.map((s, i) => [s, labels[i]!] as const).sort((a, b) => a[0] - b[0]);
  let pos = 0;
  let neg = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && idx[j]![0] === idx[i]![0]) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (idx[k]![1]) rankSum += rank;
    i = j;
  }
  for (const l of labels) l ? pos++ : neg++;
  if (!pos || !neg) return null;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** The score a share of `scores` reaches (e.g. 0.1 → the 90th percentile). */
export function thresholdForShare(scores: readonly number[], share: number): number {
  const s = [...scores].sort((a, b) => b - a);
  if (!s.length) return 1;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(share * s.length) - 1))]!;
}

export function recallPrecision(
  scores: readonly number[],
  labels: readonly boolean[],
  threshold: number,
): { flagged: number; recall: number | null; precision: number | null } {
  let tp = 0;
  let fp = 0;
  let pos = 0;
  scores.forEach((s, i) => {
    if (labels[i]) pos++;
    if (s >= threshold) labels[i] ? tp++ : fp++;
  });
  return {
    flagged: tp + fp,
    recall: pos ? tp / pos : null,
    precision: tp + fp ? tp / (tp + fp) : null,
  };
}

export function standardise(rows: number[][]): { mean: number[]; std: number[] } {
  const p = rows[0]?.length ?? 0;
  const mean = new Array<number>(p).fill(0);
  const std = new Array<number>(p).fill(0);
  for (const r of rows) r.forEach((v, j) => (mean[j]! += v / rows.length));
  for (const r of rows) r.forEach((v, j) => (std[j]! += (v - mean[j]!) ** 2 / Math.max(1, rows.length - 1)));
  // A constant feature (e.g. no row knows `rexp`) gets std 1 so it stays at 0 and its coefficient shrinks to 0.
  return { mean, std: std.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

export function modelScore(model: RiskModel, m: ScoreInput): number {
  const x = featureVector(m, model.mean);
  let z = model.intercept;
  x.forEach((v, j) => (z += model.coef[j]! * ((v - model.mean[j]!) / model.std[j]!)));
  return sigmoid(z);
}

/** Per-feature contribution to the log-odds (standardised value × coefficient): what the reasons are built from. */
export function contributions(model: RiskModel, m: ScoreInput): Array<{ feature: Feature; value: number }> {
  const x = featureVector(m, model.mean);
  return model.features.map((feature, j) => ({
    feature,
    value: model.coef[j]! * ((x[j]! - model.mean[j]!) / model.std[j]!),
  }));
}

/** Splits rows by time: the oldest (1 − testShare) to train on, the newest testShare held out. */
export function timeSplit<T extends { at: number }>(rows: readonly T[], testShare: number): { train: T[]; test: T[] } {
  const sorted = [...rows].sort((a, b) => a.at - b.at);
  const cut = Math.max(1, Math.min(sorted.length - 1, Math.floor(sorted.length * (1 - testShare))));
  return { train: sorted.slice(0, cut), test: sorted.slice(cut) };
}

export interface FitOptions {
  /** L2 strength; by default chosen from a grid on a time-ordered inner split of the training rows. */
  l2?: number;
  highShare?: number;
  convention?: string;
  provenance?: string;
}

const L2_GRID = [0.01, 0.1, 1, 10, 100];

function fitRows(
  train: HistoryRow[],
  l2: number,
  highShare: number,
): Omit<RiskModel, 'trainedOn' | 'convention' | 'provenance'> {
  const raw = train.map((r) => featureVector(r.metrics));
  const { mean, std } = standardise(raw);
  const X = raw.map((r) => r.map((v, j) => (v - mean[j]!) / std[j]!));
  const y = train.map((r) => (r.buggy ? 1 : 0));
  const { coef, intercept } = fitLogistic(X, y, l2);
  const model = {
    kind: 'baton-risk-model' as const,
    version: 1 as const,
    features: [...FEATURES],
    mean,
    std,
    coef,
    intercept,
    l2,
    high: 1,
    highShare,
  };
  const scores = train.map((r) => modelScore(model as RiskModel, r.metrics));
  return { ...model, high: thresholdForShare(scores, highShare) };
}

/** Fits a model on `train` (time-ordered), picking L2 on an inner time split unless given. */
export function fitModel(train: HistoryRow[], o: FitOptions = {}): RiskModel {
  const sorted = [...train].sort((a, b) => a.at - b.at);
  const highShare = o.highShare ?? 0.1;
  let l2 = o.l2;
  if (l2 === undefined) {
    const inner = timeSplit(sorted, 0.25);
    let best = -1;
    l2 = 1;
    for (const c of L2_GRID) {
      const m = fitRows(inner.train, c, highShare) as RiskModel;
      const a = auc(
        inner.test.map((r) => modelScore(m, r.metrics)),
        inner.test.map((r) => r.buggy),
      );
      if (a !== null && a > best + 1e-9) {
        best = a;
        l2 = c;
      }
    }
  }
  const iso = (t: number) => new Date(t).toISOString();
  return {
    ...fitRows(sorted, l2, highShare),
    trainedOn: {
      rows: sorted.length,
      from: iso(sorted[0]?.at ?? 0),
      until: iso(sorted[sorted.length - 1]?.at ?? 0),
      buggyShare: sorted.filter((r) => r.buggy).length / Math.max(1, sorted.length),
    },
    convention: o.convention ?? 'kamei',
    provenance: o.provenance ?? 'fitted by `baton risk fit`',
  };
}

/** Checks a parsed model file; returns a message naming what is wrong, or the model. */
export function checkModel(v: unknown): RiskModel | string {
  const m = v as Partial<RiskModel> | null;
  if (m?.kind !== 'baton-risk-model' || m.version !== 1) return 'not a Baton risk model (kind/version missing)';
  const p = m.features?.length ?? 0;
  if (p !== FEATURES.length || m.features!.some((f, i) => f !== FEATURES[i]))
    return `its features are not ${FEATURES.join(', ')}: refit it with \`baton risk fit\``;
  for (const k of ['mean', 'std', 'coef'] as const)
    if (!Array.isArray(m[k]) || m[k]!.length !== p || m[k]!.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
      return `${k} must be ${p} finite numbers`;
  if (typeof m.intercept !== 'number' || typeof m.high !== 'number') return 'intercept and high must be numbers';
  return m as RiskModel;
}
