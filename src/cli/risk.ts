// `baton risk`: the risk scorer offline.
//   risk --metrics FILE|-        score JSON-lines change metrics, one `{score, level, reasons}` per line
//   risk fit --history FILE      fit a model to a team's labelled history (time-ordered validation), write it
//   risk eval --history FILE     AUC, recall and precision at the share flagged high, vs lines added alone
// Lets a team check the scorer against its own history, and fit it, before trusting it on PRs.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliIo } from './io.js';
import { scoreChange, type Thresholds } from '../tasks/risk/score.js';
import { CONVENTIONS, parseMetricsLines, type Convention, type MetricsRow } from '../tasks/risk/history.js';
import {
  auc,
  checkModel,
  fitModel,
  modelScore,
  recallPrecision,
  thresholdForShare,
  timeSplit,
  type HistoryRow,
  type RiskModel,
} from '../tasks/risk/model.js';
import { scoreWithModel } from '../tasks/risk/score-model.js';
import { errorMessage } from '../ops/errors.js';

export { MetricsLineSchema } from '../tasks/risk/history.js';

export interface RiskIo extends CliIo {
  /** Reads standard input (injected so the command is testable); defaults to process.stdin. */
  readStdin?: () => Promise<string>;
}

const USAGE = `usage: baton risk --metrics FILE [--convention kamei|commit-guru] [--model FILE] [--medium 0.4] [--high 0.7]
       baton risk fit --history FILE [--out .github/baton-risk-model.json] [--l2 N] [--test-share 0.3] [--high-share 0.1]
       baton risk eval --history FILE [--model FILE] [--test-share 0.3] [--high-share 0.1]`;

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const OPTIONS = {
  metrics: { type: 'string' },
  history: { type: 'string' },
  model: { type: 'string' },
  out: { type: 'string' },
  convention: { type: 'string' },
  medium: { type: 'string' },
  high: { type: 'string' },
  l2: { type: 'string' },
  'test-share': { type: 'string' },
  'high-share': { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

function share(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new UsageError(`--${name} takes a share between 0 and 1 (exclusive), got "${v}"`);
  return n;
}

function unit(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new UsageError(`--${name} takes a number between 0 and 1, got ${v}`);
  return n;
}

export async function runRisk(argv: string[], io: RiskIo): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    io.err(`${errorMessage(err).replace(/^Unknown option/, 'unknown argument')}\n${USAGE}`);
    return 2;
  }
  const [sub, ...extra] = positionals;
  if (extra.length || (sub !== undefined && sub !== 'fit' && sub !== 'eval')) {
    io.err(`unknown argument ${positionals.join(' ')}\n${USAGE}`);
    return 2;
  }
  if (values.convention !== undefined && !CONVENTIONS.includes(values.convention as Convention)) {
    io.err(`--convention takes ${CONVENTIONS.join(' or ')}, got "${values.convention}"`);
    return 2;
  }
  try {
    if (sub === 'fit') return await fitCommand(values, io);
    if (sub === 'eval') return await evaluate(values, io);
    return await score(values, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(err.message);
    return 2;
  }
}

async function readInput(file: string, io: RiskIo): Promise<string> {
  try {
    return file === '-' ? await (io.readStdin ?? readAllStdin)() : await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${file}: cannot read (${errorMessage(err)}); pass an existing JSON-lines file or - for stdin`,
    );
  }
}

async function readModel(file: string): Promise<RiskModel> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read the model (${errorMessage(err)}); write one with \`baton risk fit\``);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not JSON (${errorMessage(err)}); write it with \`baton risk fit\``);
  }
  const m = checkModel(json);
  if (typeof m === 'string') throw new UsageError(`${file}: ${m}`);
  return m;
}

async function score(v: Values, io: RiskIo): Promise<number> {
  if (!v.metrics) throw new UsageError(USAGE);
  const th: Partial<Thresholds> = {};
  const medium = unit(v.medium, 'medium');
  const high = unit(v.high, 'high');
  if (medium !== undefined) th.medium = medium;
  if (high !== undefined) th.high = high;
  const text = await readInput(v.metrics, io);
  const name = v.metrics === '-' ? '<stdin>' : v.metrics;
  const model = v.model ? await readModel(v.model) : undefined;
  const parsed = parseMetricsLines(text, v.convention ? { convention: v.convention as Convention } : {});
  // Said on stderr so stdout stays one JSON object per line.
  if (parsed.rows.length)
    io.err(`${name}: metrics read as the ${parsed.convention} convention (${parsed.because}); --convention to change`);
  const errs = new Map(parsed.errors.map((e) => [e.line, e.message]));
  const rows = new Map(parsed.rows.map((r) => [r.line, r]));
  for (const line of [...errs.keys(), ...rows.keys()].sort((a, b) => a - b)) {
    const e = errs.get(line);
    if (e) {
      io.err(`${name}:${line}: ${e}`);
      continue;
    }
    const m = rows.get(line)!.metrics;
    const r = model ? scoreWithModel(model, m, th) : scoreChange(m, th);
    io.out(JSON.stringify({ score: r.score, level: r.level, reasons: r.reasons }));
  }
  return parsed.errors.length ? 1 : 0;
}

async function history(v: Values, io: RiskIo): Promise<{ rows: HistoryRow[]; convention: Convention }> {
  if (!v.history)
    throw new UsageError(
      `which history? --history FILE (JSON lines, or CSV with a header row: metrics, buggy and at)\n${USAGE}`,
    );
  const text = await readInput(v.history, io);
  const parsed = parseMetricsLines(text, v.convention ? { convention: v.convention as Convention } : {});
  for (const e of parsed.errors.slice(0, 10)) io.err(`${v.history}:${e.line}: ${e.message}`);
  if (parsed.errors.length > 10) io.err(`${v.history}: … and ${parsed.errors.length - 10} more bad lines`);
  const unlabelled = parsed.rows.filter((r) => r.buggy === undefined || r.at === undefined);
  if (unlabelled.length)
    io.err(
      `${v.history}: ${unlabelled.length} line(s) without \`buggy\` (or contains_bug) and \`at\` (or author_date_unix_timestamp) left out, first at line ${unlabelled[0]!.line}`,
    );
  const rows = parsed.rows
    .filter((r): r is MetricsRow & { buggy: boolean; at: number } => r.buggy !== undefined && r.at !== undefined)
    .map((r) => ({ metrics: r.metrics, buggy: r.buggy, at: r.at }));
  io.err(
    `${v.history}: ${rows.length} labelled changes, ${rows.filter((r) => r.buggy).length} defect-inducing; metrics read as the ${parsed.convention} convention (${parsed.because})`,
  );
  const pos = rows.filter((r) => r.buggy).length;
  if (rows.length < 50 || pos < 10 || rows.length - pos < 10)
    throw new UsageError(
      `${v.history}: too little history to fit or evaluate (${rows.length} labelled changes, ${pos} defect-inducing): at least 50 changes with 10 of each kind`,
    );
  return { rows, convention: parsed.convention };
}

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const f3 = (x: number | null) => (x === null ? '–' : x.toFixed(3));

async function fitCommand(v: Values, io: RiskIo): Promise<number> {
  const { rows, convention } = await history(v, io);
  const testShare = share(v['test-share'], 'test-share', 0.3);
  const highShare = share(v['high-share'], 'high-share', 0.1);
  const l2 = v.l2 === undefined ? undefined : Number(v.l2);
  if (l2 !== undefined && !(l2 >= 0)) throw new UsageError(`--l2 takes a non-negative number, got "${v.l2}"`);
  const { train, test } = timeSplit(rows, testShare);
  io.progress?.(`fitting on ${train.length} changes…`);
  const model = fitModel(train, { l2, highShare, convention, provenance: `baton risk fit --history ${v.history}` });
  io.progress?.('');
  const labels = test.map((r) => r.buggy);
  const a = auc(
    test.map((r) => modelScore(model, r.metrics)),
    labels,
  );
  model.validation = {
    rows: test.length,
    from: new Date(test[0]!.at).toISOString(),
    until: new Date(test[test.length - 1]!.at).toISOString(),
    auc: a,
  };
  const out = v.out ?? '.github/baton-risk-model.json';
  await writeFile(out, `${JSON.stringify(model, null, 2)}\n`);
  io.out(
    [
      `fitted on ${train.length} changes (${model.trainedOn.from.slice(0, 10)} → ${model.trainedOn.until.slice(0, 10)}), L2 ${model.l2}`,
      `held out the newest ${test.length} (${model.validation.from.slice(0, 10)} → ${model.validation.until.slice(0, 10)}): AUC ${f3(a)}`,
      `high from score ${model.high.toFixed(3)} (${pct(highShare)} of training changes)`,
      `wrote ${out} — point flow.yml at it with \`risk: { model: ${out.replace(/^\.github\//, '.github/')} }\`, then \`baton risk eval --history ${v.history} --model ${out}\``,
    ].join('\n'),
  );
  return 0;
}

async function evaluate(v: Values, io: RiskIo): Promise<number> {
  const { rows, convention } = await history(v, io);
  const testShare = share(v['test-share'], 'test-share', 0.3);
  let model: RiskModel;
  let test: HistoryRow[];
  if (v.model) {
    model = await readModel(v.model);
    // Only changes after the model's training window count: anything else was seen while fitting.
    const until = Date.parse(model.trainedOn.until);
    test = rows.filter((r) => r.at > until).sort((a, b) => a.at - b.at);
    if (test.length < 20 || test.every((r) => r.buggy) || !test.some((r) => r.buggy))
      throw new UsageError(
        `${v.history}: only ${test.length} changes after the model's training window (${model.trainedOn.until.slice(0, 10)}), with both outcomes needed: evaluate on newer history`,
      );
  } else {
    const split = timeSplit(rows, testShare);
    model = fitModel(split.train, { highShare: share(v['high-share'], 'high-share', 0.1), convention });
    test = split.test;
  }
  const highShare = v['high-share'] !== undefined ? share(v['high-share'], 'high-share', 0.1) : model.highShare;
  const labels = test.map((r) => r.buggy);
  const scores = test.map((r) => modelScore(model, r.metrics));
  const modelAuc = auc(scores, labels);
  const laAuc = auc(
    test.map((r) => r.metrics.la),
    labels,
  );
  const defaults = test.map((r) => scoreChange(r.metrics).score);
  const defaultAuc = auc(defaults, labels);
  // "At the configured share flagged high": the model's own threshold (set on its training data at that share).
  const threshold = v['high-share'] !== undefined ? thresholdForShare(scores, highShare) : model.high;
  const rp = recallPrecision(scores, labels, threshold);
  const laRp = recallPrecision(
    test.map((r) => r.metrics.la),
    labels,
    thresholdForShare(
      test.map((r) => r.metrics.la),
      rp.flagged / Math.max(1, test.length),
    ),
  );
  // The built-in coefficients at the same share flagged (their own threshold would flag another share).
  const defaultRp = recallPrecision(
    defaults,
    labels,
    thresholdForShare(defaults, rp.flagged / Math.max(1, test.length)),
  );
  const figures = {
    rows: test.length,
    from: new Date(test[0]!.at).toISOString(),
    until: new Date(test[test.length - 1]!.at).toISOString(),
    defect_share: labels.filter(Boolean).length / test.length,
    auc: modelAuc,
    auc_lines_added: laAuc,
    auc_default_coefficients: defaultAuc,
    flagged_high: rp.flagged,
    flagged_share: rp.flagged / test.length,
    recall_at_high: rp.recall,
    precision_at_high: rp.precision,
    recall_lines_added_same_share: laRp.recall,
    precision_lines_added_same_share: laRp.precision,
    recall_default_coefficients_same_share: defaultRp.recall,
    precision_default_coefficients_same_share: defaultRp.precision,
  };
  if (v.json) {
    io.out(JSON.stringify(figures));
    return 0;
  }
  io.out(
    [
      `evaluated on ${test.length} held-out changes (${figures.from.slice(0, 10)} → ${figures.until.slice(0, 10)}), ${pct(figures.defect_share)} defect-inducing`,
      `AUC                      ${f3(modelAuc)}   (lines added alone: ${f3(laAuc)}; Baton's default coefficients: ${f3(defaultAuc)})`,
      `flagged high             ${rp.flagged} (${pct(figures.flagged_share)}, score ≥ ${threshold.toFixed(3)})`,
      `recall at high           ${pct(rp.recall)}   (same share: lines added alone ${pct(laRp.recall)}; default coefficients ${pct(defaultRp.recall)})`,
      `precision at high        ${pct(rp.precision)}   (same share: lines added alone ${pct(laRp.precision)}; default coefficients ${pct(defaultRp.precision)})`,
      modelAuc !== null && laAuc !== null && modelAuc < laAuc
        ? 'The model ranks worse than lines added alone on these changes: refit on more (or more recent) history.'
        : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
  return 0;
}
