// Reading change metrics the way JIT defect tools write them. Two conventions are in use:
//  - Kamei et al. (2013): counts as integers, entropy normalised to [0,1] by log2(nf) — what Baton computes.
//  - Commit Guru / PyDriller exports: ndev, nuc, age and sexp averaged over the touched files (floats), entropy in
//    bits (0..log2(nf), not normalised), `entrophy` (sic) in Commit Guru's CSV, `contains_bug` as the label and
//    `author_date_unix_timestamp` as the time.
// The convention is taken from a flag, or detected from the whole file (entropy above 1, or fractional history
// counts, can only be Commit Guru's), and the caller says which one was assumed. Pure: text in, rows out.
// A file is JSON lines, or CSV with a header row (the public datasets' own format); the column names of the public
// datasets are read as they are (COLUMN_ALIASES), so a download needs no conversion.
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import type { ScoreInput } from './score.js';
import { errorMessage } from '../../ops/errors.js';

export const CONVENTIONS = ['kamei', 'commit-guru'] as const;
export type Convention = (typeof CONVENTIONS)[number];

const nonNeg = z.number().min(0, 'must be 0 or more');
const flag = z
  .union([
    z.boolean(),
    z.literal(0),
    z.literal(1),
    z.string().regex(/^(true|false)$/i, 'must be true or false, 1 or 0'),
  ])
  .transform((v) => v === true || v === 1 || (typeof v === 'string' && v.toLowerCase() === 'true'));
const paths = z.union([
  z.array(z.string()),
  nonNeg.int().transform((n) => Array.from({ length: n }, (_, i) => `path-${i + 1}`)),
]);

/** One line: size is required (la, ld, nf), everything else optional (unknown = neutral). */
export const MetricsLineSchema = z
  .object({
    la: nonNeg,
    ld: nonNeg,
    nf: nonNeg.int('must be a whole number of files'),
    nd: nonNeg.optional(),
    ns: nonNeg.optional(),
    entropy: nonNeg.optional(),
    entrophy: nonNeg.optional(),
    ndev: nonNeg.optional(),
    age: nonNeg.optional(),
    nuc: nonNeg.optional(),
    exp: nonNeg.optional(),
    rexp: nonNeg.optional(),
    sexp: nonNeg.optional(),
    fix: flag.optional(),
    sensitive: paths.optional(),
    deps: paths.optional(),
    testsTouched: nonNeg.int().optional(),
    codeTouched: nonNeg.int().optional(),
    newSubsystems: z.array(z.string()).optional(),
    subsystems: z.array(z.string()).optional(),
    // A labelled history: whether the change later turned out to induce a defect, and when it was made.
    buggy: flag.optional(),
    contains_bug: flag.optional(),
    at: z.union([z.string(), z.number()]).optional(),
    author_date_unix_timestamp: z.union([z.string(), z.number()]).optional(),
  })
  .passthrough();

/**
 * Other names of the same metric in published JIT datasets → Baton's name. ApacheJIT (Keshavarz & Nagappan, MSR
 * 2022: `ent`, `aexp`, `arexp`, `asexp`, `author_date`); Kamei et al.'s data as Yang et al. and later studies publish
 * it (`nm` modified directories, `npt` unique prior changes, `pd` mean days since the last change, `bug`,
 * `commitdate`); the ISSTA 2021 replication data (`bug`, `date`). A name Baton already reads wins over its alias.
 */
export const COLUMN_ALIASES: Readonly<Record<string, string>> = {
  ent: 'entropy',
  aexp: 'exp',
  arexp: 'rexp',
  asexp: 'sexp',
  nm: 'nd',
  npt: 'nuc',
  pd: 'age',
  bug: 'buggy',
  is_buggy: 'buggy',
  author_date: 'at',
  commitdate: 'at',
  commit_date: 'at',
  date: 'at',
};

function withAliases(o: Record<string, unknown>): Record<string, unknown> {
  const out = { ...o };
  for (const [alias, name] of Object.entries(COLUMN_ALIASES))
    if (alias in o && out[name] === undefined && !(name === 'at' && o.author_date_unix_timestamp !== undefined))
      out[name] = o[alias];
  return out;
}

/** CSV cells are text: numbers become numbers and empty cells are absent; flags ('True', '1') stay for the schema. */
function cell(v: string): unknown {
  const t = v.trim();
  if (t === '' || /^(na|nan|null)$/i.test(t)) return undefined;
  return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t) ? Number(t) : t;
}

/** Records of a JSON-lines or CSV text, each with its line number; a line that is no record is an error. */
function records(text: string): {
  records: Array<{ line: number; json: unknown }>;
  errors: Array<{ line: number; message: string }>;
} {
  const first =
    text
      .split(/\r?\n/)
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  const out: Array<{ line: number; json: unknown }> = [];
  const errors: Array<{ line: number; message: string }> = [];
  if (first === '' || first.startsWith('{')) {
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (!line) return;
      try {
        out.push({ line: i + 1, json: JSON.parse(line) });
      } catch (err) {
        errors.push({ line: i + 1, message: `not valid JSON (${errorMessage(err)})` });
      }
    });
    return { records: out, errors };
  }
  try {
    const rows = parseCsv(text, {
      columns: (header: string[]) =>
        header.map((h) =>
          h
            .trim()
            .replace(/^\uFEFF/, '')
            .toLowerCase(),
        ),
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      bom: true,
    }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
    for (const { record, info } of rows) {
      const json: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(record)) {
        const x = cell(v ?? '');
        if (x !== undefined) json[k] = x;
      }
      out.push({ line: info.lines, json });
    }
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    errors.push({ line, message: `not valid CSV (${errorMessage(err)}); give JSON lines or CSV with a header row` });
  }
  return { records: out, errors };
}

export interface MetricsRow {
  line: number;
  metrics: ScoreInput;
  buggy?: boolean;
  /** Epoch ms. */
  at?: number;
}

export interface ParsedMetrics {
  rows: MetricsRow[];
  errors: Array<{ line: number; message: string }>;
  convention: Convention;
  /** Why this convention: "given by --convention", or what was seen in the file. */
  because: string;
}

type Line = z.infer<typeof MetricsLineSchema>;

function detect(lines: Array<{ line: number; v: Line }>): { convention: Convention; because: string } {
  for (const { line, v } of lines) {
    const e = v.entropy ?? v.entrophy;
    if (e !== undefined && e > 1) return { convention: 'commit-guru', because: `entropy ${e} > 1 on line ${line}` };
    for (const k of ['ndev', 'nuc', 'sexp', 'exp', 'nd', 'ns'] as const) {
      const x = v[k];
      if (x !== undefined && !Number.isInteger(x))
        return { convention: 'commit-guru', because: `fractional ${k} (${x}) on line ${line}` };
    }
  }
  return { convention: 'kamei', because: 'integer counts and entropy within [0,1]' };
}

function toTime(v: string | number | undefined, unixSeconds: boolean): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' || /^\d+(\.\d+)?$/.test(v)) {
    const n = Number(v);
    // Unix seconds (Commit Guru) vs milliseconds: seconds until the year 5138.
    return unixSeconds || n < 1e11 ? n * 1000 : n;
  }
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function toMetrics(v: Line, convention: Convention): ScoreInput {
  let entropy = v.entropy ?? v.entrophy;
  if (entropy !== undefined && convention === 'commit-guru') entropy = v.nf > 1 ? entropy / Math.log2(v.nf) : 0;
  const m: ScoreInput = { la: v.la, ld: v.ld, nf: v.nf };
  const set = <K extends keyof ScoreInput>(k: K, x: ScoreInput[K] | undefined) => {
    if (x !== undefined) m[k] = x;
  };
  set('nd', v.nd);
  set('ns', v.ns);
  set('entropy', entropy === undefined ? undefined : Math.min(1, entropy));
  set('ndev', v.ndev);
  set('age', v.age);
  set('nuc', v.nuc);
  set('exp', v.exp);
  set('rexp', v.rexp);
  set('sexp', v.sexp);
  set('fix', v.fix);
  set('sensitive', v.sensitive);
  set('deps', v.deps);
  set('testsTouched', v.testsTouched);
  set('codeTouched', v.codeTouched);
  set('newSubsystems', v.newSubsystems);
  set('subsystems', v.subsystems);
  return m;
}

/**
 * Parses metrics as JSON lines or CSV (detected: a first line that is not a JSON object is a CSV header); every bad
 * line is reported with its number, the rest are kept.
 */
export function parseMetricsLines(text: string, o: { convention?: Convention } = {}): ParsedMetrics {
  const read = records(text);
  const errors: ParsedMetrics['errors'] = [...read.errors];
  const ok: Array<{ line: number; v: Line }> = [];
  for (const { line, json } of read.records) {
    const r = MetricsLineSchema.safeParse(
      json && typeof json === 'object' && !Array.isArray(json) ? withAliases(json as Record<string, unknown>) : json,
    );
    if (!r.success) {
      errors.push({
        line,
        message: `${r.error.issues.map((iss) => `${iss.path.join('.') || '(line)'}: ${iss.message}`).join('; ')} (each line needs la, ld, nf as non-negative numbers)`,
      });
      continue;
    }
    ok.push({ line, v: r.data });
  }
  errors.sort((a, b) => a.line - b.line);
  const { convention, because } = o.convention
    ? { convention: o.convention, because: 'given by --convention' }
    : detect(ok);
  const rows = ok.map(({ line, v }) => {
    const buggy = v.buggy ?? v.contains_bug;
    const at = toTime(v.at, false) ?? toTime(v.author_date_unix_timestamp, true);
    return {
      line,
      metrics: toMetrics(v, convention),
      ...(buggy !== undefined ? { buggy } : {}),
      ...(at !== undefined ? { at } : {}),
    };
  });
  return { rows, errors, convention, because };
}
