// The public entry point: flow.yml text → resolved, checked `Flow`, or located problems.
import { checkResolved } from './check.js';
import { resolveExtends, type FetchBase, type FetchOrgBase, type LoadPreset } from './extends.js';
import { normalizeFlow } from './normalize.js';
import type { Flow, FlowProblem } from './types.js';
import { validateSource, type SourceFile } from './validate.js';
import type { FlowFile } from './schema.js';
import { decodeUtf8 } from './utf8.js';

export interface LoadFlowOptions {
  /** Fetches `owner/repo:path@ref` bases. Without it a remote `extends` is reported as a warning and not resolved. */
  fetchBase?: FetchBase;
  /** Overrides where `preset:<name>` comes from (default: src/flow/presets/<name>.yml). */
  loadPreset?: LoadPreset;
  /** Fetches the org flow for `extends: org` (see FlowConfigs). */
  fetchOrgBase?: FetchOrgBase;
}

export interface LoadFlowResult {
  /** Present iff there is no error-severity problem and every base could be fetched. */
  flow?: Flow;
  problems: FlowProblem[];
  /** The remote base that could not be fetched (no fetchBase given), when that is why `flow` is missing. */
  unresolvedBase?: string;
  /** The flow file with every `extends:` merged in (no extends left): what `simulate` hands the sandbox. */
  resolvedFile?: FlowFile;
  /** `enabled: false`: the repository opted out; no flow, and that is not a problem. */
  disabled?: true;
}

function sortProblems(problems: FlowProblem[]): FlowProblem[] {
  const seen = new Set<string>();
  const fileOrder = new Map<string, number>();
  for (const p of problems) if (!fileOrder.has(p.path)) fileOrder.set(p.path, fileOrder.size);
  return problems
    .filter((p) => {
      const k = `${p.path}:${p.line}:${p.col}:${p.severity}:${p.message}`;
      return seen.has(k) ? false : (seen.add(k), true);
    })
    .sort((a, b) => fileOrder.get(a.path)! - fileOrder.get(b.path)! || a.line - b.line || a.col - b.col);
}

export async function loadFlow(text: string, path: string, opts: LoadFlowOptions = {}): Promise<LoadFlowResult> {
  const v = validateSource(text, path);
  if (!v.file && v.recovered) {
    // Structural errors: still resolve and check what can be, so every problem shows up in one pass.
    const more = await bestEffort({ parsed: v.parsed, file: v.recovered }, opts);
    return { problems: sortProblems([...v.problems, ...more]) };
  }
  if (!v.file) return { problems: sortProblems(v.problems) };
  // An opted-out repository needs nothing else: not even its base has to resolve.
  if (v.file.enabled === false) return { problems: sortProblems(v.problems), disabled: true };
  const r = await resolveExtends(
    { parsed: v.parsed, file: v.file },
    { fetchBase: opts.fetchBase, loadPreset: opts.loadPreset, fetchOrgBase: opts.fetchOrgBase },
  );
  const problems = [...v.problems, ...r.problems];
  if (!r.resolved)
    return { problems: sortProblems(problems), ...(r.unresolvedBase ? { unresolvedBase: r.unresolvedBase } : {}) };
  if (r.resolved.file.enabled === false) return { problems: sortProblems(problems), disabled: true };
  problems.push(...checkResolved(r.resolved));
  const sorted = sortProblems(problems);
  if (sorted.some((p) => p.severity === 'error')) return { problems: sorted };
  return {
    flow: normalizeFlow(r.resolved.file, r.resolved.sources),
    problems: sorted,
    resolvedFile: r.resolved.file,
  };
}

/** The reference checks of a repaired file; never throws (a repair can leave shapes the checks do not expect). */
async function bestEffort(src: SourceFile, opts: LoadFlowOptions): Promise<FlowProblem[]> {
  try {
    const r = await resolveExtends(src, {
      fetchBase: opts.fetchBase,
      loadPreset: opts.loadPreset,
      fetchOrgBase: opts.fetchOrgBase,
    });
    if (!r.resolved) return r.problems.filter((p) => p.severity === 'error');
    // "Missing" problems usually echo a structural one (a mistyped `stagez:` was dropped by the repair).
    return [...r.problems, ...checkResolved(r.resolved)].filter(
      (p) => p.severity === 'error' && !/^(no stages|missing trigger|no final stage)/.test(p.message),
    );
  } catch {
    return [];
  }
}

/** Like loadFlow, from the file's bytes: a byte that is not UTF-8 is an error at its line:col, not mojibake. */
export async function loadFlowBytes(
  bytes: Uint8Array,
  path: string,
  opts: LoadFlowOptions = {},
): Promise<LoadFlowResult> {
  const decoded = decodeUtf8(bytes);
  if ('text' in decoded) return loadFlow(decoded.text, path, opts);
  return {
    problems: [
      {
        path,
        line: decoded.line,
        col: decoded.col,
        severity: 'error',
        message: `byte 0x${decoded.byte.toString(16).padStart(2, '0')} is not UTF-8 — save the file as UTF-8 (flow.yml must be UTF-8)`,
      },
    ],
  };
}

/** One line for logs and the CLI: `flow "feature": 6 stages (spec → … → done), 3 roles, trigger flow:feature`. */
export function summarizeFlow(flow: Flow): string {
  const n = flow.stages.length;
  const roles = Object.keys(flow.roles).length;
  return (
    `flow "${flow.name}": ${n} stage${n === 1 ? '' : 's'} (${flow.stages.map((s) => s.id).join(' → ')}), ` +
    `${roles} role${roles === 1 ? '' : 's'}, trigger ${flow.trigger}`
  );
}

/** `path:line:col: error: message` — the format editors and CI annotate. */
export function formatProblem(p: FlowProblem): string {
  return `${p.path}:${p.line}:${p.col}: ${p.severity}: ${p.message}`;
}
