// A synthetic labelled JIT history for tests, benches and trying `baton risk fit` without a team's own data.
//
// Provenance: public JIT defect datasets (Kamei et al. 2013; the Commit Guru / ApacheJIT corpora) are not
// reachable from this build environment, so the structure below is modelled on what those studies report rather
// than sampled from them: log-normal change sizes (median ≈ 20 added lines, a long tail), file counts growing with
// size, authors accumulating experience over the years (real running counts, not draws), a defect-inducing share of
// ≈ 20–25 %, and a true risk that rises with size, diffusion, entropy, fixes, many prior developers and sensitive or
// untested code, and falls with the author's (subsystem) experience and file age. Noise and a slow drift keep any
// model well below perfect — and lines added alone a weaker but real signal, as in the literature.
import { rng } from '../../report/history.js';
import type { Convention } from './history.js';

export interface SyntheticOptions {
  rows?: number;
  seed?: number;
  /** First commit (default 2012-01-01); commits are spread over `years`. */
  from?: string;
  years?: number;
  /** Write metrics as Commit Guru does (averaged floats, entropy in bits) instead of Kamei's integers. */
  convention?: Convention;
}

export interface SyntheticLine {
  la: number;
  ld: number;
  nf: number;
  nd: number;
  ns: number;
  entropy: number;
  fix: boolean;
  ndev: number;
  age: number;
  nuc: number;
  exp: number;
  sexp: number;
  sensitive: number;
  deps: number;
  testsTouched: number;
  codeTouched: number;
  buggy: boolean;
  at: string;
}

const SUBSYSTEMS = ['api', 'web', 'db', 'auth', 'billing', 'search', 'infra', 'docs'];

export function syntheticHistory(o: SyntheticOptions = {}): SyntheticLine[] {
  const r = rng(o.seed ?? 2013);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const n = o.rows ?? 3000;
  const from = Date.parse(o.from ?? '2012-01-01T00:00:00Z');
  const span = (o.years ?? 8) * 365 * 86_400_000;
  const authors = Array.from({ length: 40 }, (_, i) => ({
    // Some authors join late: their early commits are made with little experience.
    joins: from + span * (i < 10 ? 0 : r() * 0.8),
    commits: 0,
    bySubsystem: new Map<string, number>(),
    skill: normal() * 0.3,
  }));
  const fileState = new Map<string, { devs: Set<number>; changes: number; last: number }>();
  const out: SyntheticLine[] = [];
  for (let i = 0; i < n; i++) {
    const at = from + (span * (i + r() * 0.5)) / n;
    const active = authors.map((a, k) => [a, k] as const).filter(([a]) => a.joins <= at);
    const [author, ak] = active[Math.floor(r() ** 1.6 * active.length)]!;
    const la = Math.max(0, Math.round(Math.exp(Math.log(20) + 1.6 * normal())));
    const ld = Math.max(0, Math.round(la * Math.exp(-0.7 + 0.9 * normal())));
    const nf = Math.max(1, Math.round(Math.exp(0.55 * Math.log1p(la + ld) - 1 + 0.6 * normal())));
    const ns = Math.max(1, Math.min(nf, 1 + Math.floor(Math.log2(nf) * r())));
    const nd = Math.max(ns, Math.min(nf, Math.round(Math.sqrt(nf) * (0.6 + r()))));
    const subs = Array.from({ length: ns }, () => SUBSYSTEMS[Math.floor(r() * SUBSYSTEMS.length)]!);
    // Entropy (bits) of changed lines across files: even spreads approach log2(nf).
    const entropyBits = nf === 1 ? 0 : Math.log2(nf) * Math.min(1, 0.35 + 0.6 * r());
    const fix = r() < 0.25;
    const files = Array.from({ length: nf }, (_, f) => `${subs[f % ns]}/f${Math.floor(r() * 60)}.ts`);
    let ndevSum = 0;
    let nucSum = 0;
    let ageSum = 0;
    for (const f of files) {
      const s = fileState.get(f) ?? { devs: new Set<number>(), changes: 0, last: at - 400 * 86_400_000 };
      ndevSum += s.devs.size;
      nucSum += s.changes;
      ageSum += (at - s.last) / 86_400_000;
      s.devs.add(ak);
      s.changes++;
      s.last = at;
      fileState.set(f, s);
    }
    const exp = author.commits;
    const sexp = subs.reduce((a, s) => a + (author.bySubsystem.get(s) ?? 0), 0);
    const sensitive = subs.includes('auth') || subs.includes('db') ? (r() < 0.35 ? 1 : 0) : 0;
    const deps = r() < 0.07 ? 1 : 0;
    const testsTouched = r() < 0.45 ? 1 : 0;
    const ndev = ndevSum / nf;
    const nuc = nucSum / nf;
    const age = ageSum / nf;
    const drift = 0.15 * Math.sin((2 * Math.PI * (at - from)) / span);
    const z =
      -3.1 +
      0.42 * Math.log1p(la) +
      0.12 * Math.log1p(ld) +
      0.35 * Math.log1p(nf) +
      0.7 * (nf === 1 ? 0 : entropyBits / Math.log2(nf)) +
      0.55 * (fix ? 1 : 0) +
      0.3 * Math.log1p(ndev) -
      0.28 * Math.log1p(exp) -
      0.22 * Math.log1p(sexp) -
      0.12 * Math.log1p(age) +
      0.9 * sensitive +
      0.35 * deps +
      0.3 * (testsTouched ? 0 : 1) +
      author.skill +
      drift +
      0.9 * normal();
    const buggy = r() < 1 / (1 + Math.exp(-(z + 0.2)));
    author.commits++;
    for (const s of subs) author.bySubsystem.set(s, (author.bySubsystem.get(s) ?? 0) + 1);
    const guru = o.convention === 'commit-guru';
    const round = (x: number) => (guru ? Number(x.toFixed(3)) : Math.round(x));
    out.push({
      la,
      ld,
      nf,
      nd,
      ns,
      entropy: guru ? Number(entropyBits.toFixed(4)) : Number((nf === 1 ? 0 : entropyBits / Math.log2(nf)).toFixed(4)),
      fix,
      ndev: round(ndev),
      age: round(age),
      nuc: round(nuc),
      exp,
      sexp: guru ? Number((sexp / ns).toFixed(3)) : sexp,
      sensitive,
      deps,
      testsTouched,
      codeTouched: nf,
      buggy,
      at: new Date(at).toISOString(),
    });
  }
  return out;
}
