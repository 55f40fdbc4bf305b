// Resolves `extends:` chains into one flow file, remembering for every stage field, role and top-level key which
// file (and which node in it) it came from — so a problem in the assembled flow is reported where the user must
// edit it, even when that is a base file.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FlowFile, StageConfig } from './schema.js';
import { positionOf, type ParsedYaml, type YamlPath } from './parse.js';
import { didYouMean } from './suggest.js';
import type { FlowProblem } from './types.js';
import { problemAt, validateSource, type SourceFile } from './validate.js';
import { errorMessage } from '../ops/errors.js';

export interface BaseRef {
  owner: string;
  repo: string;
  path: string;
  ref?: string;
}
/** Fetches a remote base flow (the GitHub adapter builds one on GitHubPort.getFile). `path` labels problems. */
export type FetchBase = (ref: BaseRef) => Promise<{ text: string; path: string } | undefined>;
export type LoadPreset = (name: string) => { text: string; path: string } | undefined;
/** Fetches the org flow (`extends: org`): `.github/flow.yml` in the owner's `.github` repository. */
export type FetchOrgBase = () => Promise<{ text: string; path: string } | undefined>;

/** `extends: org` — the org flow, after Probot's convention for shared configuration (the owner's `.github` repo). */
export const ORG_EXTENDS = 'org';

export const MAX_EXTENDS_DEPTH = 5;

export interface Loc {
  src: ParsedYaml;
  path: YamlPath;
}
export interface StageOrigin {
  self: Loc;
  fields: Record<string, Loc>;
}
export interface ResolvedFile {
  file: FlowFile; // merged; no extends/before/after/remove left
  root: ParsedYaml; // the child file everything was loaded for
  origins: { top: Record<string, Loc>; roles: Record<string, Loc>; stages: StageOrigin[] };
  sources: string[]; // base first, child last
}

export interface ResolveResult {
  resolved?: ResolvedFile;
  problems: FlowProblem[];
  /** Set when a remote base could not be fetched (no fetcher, e.g. the offline CLI): the flow cannot be assembled. */
  unresolvedBase?: string;
}

const PRESET_DIR = fileURLToPath(new URL('./presets/', import.meta.url));

export function presetNames(): string[] {
  return readdirSync(PRESET_DIR)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** Reads a bundled preset from src/flow/presets/<name>.yml. */
export const loadBundledPreset: LoadPreset = (name) => {
  if (!presetNames().includes(name)) return undefined;
  return { text: readFileSync(`${PRESET_DIR}${name}.yml`, 'utf8'), path: `preset:${name}` };
};

export function parseBaseRef(spec: string): BaseRef | undefined {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+):([^@\s]+)(?:@(\S+))?$/.exec(spec);
  if (!m) return undefined;
  return { owner: m[1]!, repo: m[2]!, path: m[3]!, ...(m[4] ? { ref: m[4] } : {}) };
}

/** Maps a path in the RESOLVED flow to the file and node that defined it. */
export function locate(r: ResolvedFile, path: YamlPath): Loc {
  const [head, second, field, ...rest] = path;
  if (head === 'stages' && typeof second === 'number' && r.origins.stages[second]) {
    const o = r.origins.stages[second]!;
    if (field === undefined) return o.self;
    const f = o.fields[String(field)];
    return f ? { src: f.src, path: [...f.path, ...rest] } : { src: o.self.src, path: [...o.self.path, field, ...rest] };
  }
  if (head === 'roles' && second !== undefined && r.origins.roles[String(second)]) {
    const o = r.origins.roles[String(second)]!;
    return { src: o.src, path: [...o.path, ...path.slice(2)] };
  }
  if (head !== undefined && r.origins.top[String(head)]) {
    const o = r.origins.top[String(head)]!;
    return { src: o.src, path: [...o.path, ...path.slice(1)] };
  }
  return { src: r.root, path };
}

export function problemIn(
  r: ResolvedFile,
  path: YamlPath,
  message: string,
  severity: FlowProblem['severity'] = 'error',
): FlowProblem {
  const loc = locate(r, path);
  const { line, col } = positionOf(loc.src, loc.path);
  return { path: loc.src.path, line, col, message, severity };
}

const CHILD_ONLY = new Set(['id', 'before', 'after', 'remove']);
const TOP_SCALARS = ['$schema', 'version', 'name', 'trigger', 'ignore_bots', 'enabled'] as const;
const DEEP_MERGED = ['risk', 'llm', 'digest', 'api'] as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
// risk/llm/digest/api: maps merge key by key (child wins), anything else (arrays, scalars) is replaced.
export function deepMerge<T>(base: T, child: T): T {
  if (!isPlainObject(base) || !isPlainObject(child)) return (child === undefined ? base : child) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(child)) out[k] = k in base ? deepMerge(base[k], v) : v;
  return out as T;
}

function single(src: SourceFile): ResolvedFile {
  const { parsed, file } = src;
  const top: Record<string, Loc> = {};
  for (const key of Object.keys(file)) top[key] = { src: parsed, path: [key] };
  const roles: Record<string, Loc> = {};
  for (const name of Object.keys(file.roles ?? {})) roles[name] = { src: parsed, path: ['roles', name] };
  const stages = (file.stages ?? []).map((s, i) => ({
    self: { src: parsed, path: ['stages', i] },
    fields: Object.fromEntries(Object.keys(s).map((k) => [k, { src: parsed, path: ['stages', i, k] }])),
  }));
  const { extends: _ignored, ...rest } = file;
  return {
    file: structuredClone(rest) as FlowFile,
    root: parsed,
    origins: { top, roles, stages },
    sources: [parsed.path],
  };
}

/** Applies a child file on top of an already resolved base (merge rules in the README / flow-reference). */
export function mergeChild(base: ResolvedFile, child: SourceFile): { resolved: ResolvedFile; problems: FlowProblem[] } {
  const { parsed, file } = child;
  const problems: FlowProblem[] = [];
  const out = structuredClone(base.file) as FlowFile;
  const top = { ...base.origins.top };
  delete top.extends;
  for (const key of TOP_SCALARS) {
    if (file[key] === undefined) continue;
    (out as Record<string, unknown>)[key] = file[key];
    top[key] = { src: parsed, path: [key] };
  }
  for (const key of DEEP_MERGED) {
    if (file[key] === undefined) continue;
    (out as Record<string, unknown>)[key] = deepMerge(out[key], structuredClone(file[key]));
    top[key] = { src: parsed, path: [key] };
  }
  const roleOrigins = { ...base.origins.roles };
  if (file.roles) {
    out.roles = { ...(out.roles ?? {}), ...structuredClone(file.roles) };
    top.roles ??= { src: parsed, path: ['roles'] };
    for (const name of Object.keys(file.roles)) roleOrigins[name] = { src: parsed, path: ['roles', name] };
  }

  type Entry = { stage: StageConfig; origin: StageOrigin };
  const list: Entry[] = (out.stages ?? []).map((stage, i) => ({ stage, origin: base.origins.stages[i]! }));
  const baseIds = () => list.map((e) => e.stage.id);
  const lastAfter = new Map<string, string>(); // keeps several `after: X` stages in the child's order
  (file.stages ?? []).forEach((s, ci) => {
    const idx = list.findIndex((e) => e.stage.id === s.id);
    if (s.remove) {
      if (idx < 0) {
        problems.push(
          problemAt(
            parsed,
            ['stages', ci, 'id'],
            `stages[${ci}]: remove: no stage "${s.id}" in the base flow${didYouMean(s.id, baseIds())} — base stages: ${baseIds().join(', ')}`,
          ),
        );
      } else list.splice(idx, 1);
      return;
    }
    const anchorKey = s.before !== undefined ? 'before' : s.after !== undefined ? 'after' : undefined;
    const anchor = anchorKey ? s[anchorKey]! : undefined;
    if (anchorKey && anchor !== undefined && !list.some((e) => e.stage.id === anchor && e.stage.id !== s.id)) {
      problems.push(
        problemAt(
          parsed,
          ['stages', ci, anchorKey],
          `stages[${ci}].${anchorKey}: no stage "${anchor}" in the base flow${didYouMean(anchor, baseIds())} — base stages: ${baseIds().join(', ')}`,
        ),
      );
      return;
    }
    const fields: Record<string, Loc> = {};
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (CHILD_ONLY.has(k) && k !== 'id') continue;
      own[k] = structuredClone(v);
      fields[k] = { src: parsed, path: ['stages', ci, k] };
    }
    let entry: Entry;
    if (idx >= 0) {
      // Same id: the child's fields replace the base's (arrays such as `on`/`enter` wholesale).
      const prev = list[idx]!;
      entry = {
        stage: { ...prev.stage, ...own } as StageConfig,
        origin: { self: { src: parsed, path: ['stages', ci] }, fields: { ...prev.origin.fields, ...fields } },
      };
      if (!anchor) {
        list[idx] = entry;
        return;
      }
      list.splice(idx, 1); // moved by before/after
    } else {
      entry = { stage: own as StageConfig, origin: { self: { src: parsed, path: ['stages', ci] }, fields } };
    }
    if (anchorKey === 'before') {
      list.splice(
        list.findIndex((e) => e.stage.id === anchor),
        0,
        entry,
      );
    } else if (anchorKey === 'after') {
      const afterId = lastAfter.get(anchor!) ?? anchor!;
      const at = list.findIndex((e) => e.stage.id === afterId);
      list.splice((at < 0 ? list.findIndex((e) => e.stage.id === anchor) : at) + 1, 0, entry);
      lastAfter.set(anchor!, s.id);
    } else list.push(entry);
  });
  if (list.length || out.stages || file.stages) out.stages = list.map((e) => e.stage);
  if (file.stages) top.stages ??= { src: parsed, path: ['stages'] };
  return {
    resolved: {
      file: out,
      root: parsed,
      origins: { top, roles: roleOrigins, stages: list.map((e) => e.origin) },
      sources: [...base.sources, parsed.path],
    },
    problems,
  };
}

export interface ResolveOptions {
  fetchBase?: FetchBase;
  loadPreset?: LoadPreset;
  /** Resolves `extends: org`; without it the org flow is reported as not fetchable offline. */
  fetchOrgBase?: FetchOrgBase;
  /** Names listed in "unknown preset" messages (default: the bundled presets). */
  presetNames?: () => string[];
}

/** Resolves the `extends:` chain of an already validated file. */
export async function resolveExtends(
  child: SourceFile,
  opts: ResolveOptions = {},
  chain: string[] = [child.parsed.path],
): Promise<ResolveResult> {
  const spec = child.file.extends;
  if (!spec) return { resolved: single(child), problems: [] };
  const here = (message: string, severity: FlowProblem['severity'] = 'error'): FlowProblem =>
    problemAt(child.parsed, ['extends'], message, severity);
  if (chain.length > MAX_EXTENDS_DEPTH) {
    return {
      problems: [here(`extends chain is deeper than ${MAX_EXTENDS_DEPTH} files (${chain.join(' → ')}) — flatten it`)],
    };
  }
  let base: { text: string; path: string } | undefined;
  if (spec.startsWith('preset:')) {
    const name = spec.slice('preset:'.length);
    base = (opts.loadPreset ?? loadBundledPreset)(name);
    if (!base) {
      const names = (opts.presetNames ?? presetNames)();
      return {
        problems: [
          here(`extends: unknown preset "${name}"${didYouMean(name, names)} — bundled presets: ${names.join(', ')}`),
        ],
      };
    }
  } else if (spec === ORG_EXTENDS) {
    if (!opts.fetchOrgBase) {
      return {
        problems: [
          here(
            'extends: org cannot be fetched offline; only this file was checked (pass --org-flow <path> to check against the org flow)',
            'warning',
          ),
        ],
        unresolvedBase: spec,
      };
    }
    try {
      base = await opts.fetchOrgBase();
    } catch (err) {
      return { problems: [here(`extends: org: ${errorMessage(err)}`)] };
    }
    if (!base) {
      return {
        problems: [
          here(
            "extends: org, but there is no org flow — commit .github/flow.yml to the owner's .github repository, and install the Baton app on that repository",
          ),
        ],
      };
    }
  } else {
    const ref = parseBaseRef(spec);
    if (!ref)
      return {
        problems: [here(`extends: "${spec}" is not \`org\`, \`preset:<name>\` or \`owner/repo:path.yml@ref\``)],
      };
    if (!opts.fetchBase) {
      return {
        problems: [
          here(
            `extends: cannot fetch remote base "${spec}" offline; only this file was checked (Baton validates the whole flow when it loads it from GitHub)`,
            'warning',
          ),
        ],
        unresolvedBase: spec,
      };
    }
    try {
      base = await opts.fetchBase(ref);
    } catch (err) {
      return {
        problems: [
          here(
            `extends: could not fetch "${spec}": ${errorMessage(err)} — check that the Baton app is installed on ${ref.owner}/${ref.repo}`,
          ),
        ],
      };
    }
    if (!base) {
      return {
        problems: [
          here(
            `extends: "${spec}" not found — check the repository, the path and the ref, and that the Baton app can read ${ref.owner}/${ref.repo}`,
          ),
        ],
      };
    }
  }
  if (chain.includes(base.path)) {
    return {
      problems: [
        here(
          `extends loop: ${[...chain, base.path].join(' → ')} — a flow cannot extend itself; remove one of the extends:`,
        ),
      ],
    };
  }
  const v = validateSource(base.text, base.path);
  // Problems in a remote base are reported on this repository's PRs and issues: location and kind of error only,
  // never the base's content (it may be a private file the PR's author cannot read).
  const remote = !spec.startsWith('preset:');
  const own = (ps: FlowProblem[]) => (remote ? ps.map(withoutContent) : ps);
  if (!v.file) return { problems: own(v.problems) };
  const sub = await resolveExtends({ parsed: v.parsed, file: v.file }, opts, [...chain, base.path]);
  if (!sub.resolved) return { ...sub, problems: [...own(v.problems), ...own(sub.problems)] };
  const merged = mergeChild(sub.resolved, child);
  return { resolved: merged.resolved, problems: [...own(v.problems), ...own(sub.problems), ...merged.problems] };
}

/** A problem message with every quoted fragment and echoed value removed (bounded patterns: the text is untrusted). */
export function withoutContent(p: FlowProblem): FlowProblem {
  const message = p.message
    .replace(/"[^"\n]{0,2000}"|'[^'\n]{0,2000}'|`[^`\n]{0,2000}`/g, '…')
    .replace(/\b(got|found|received)\b[^,;—]{0,2000}/gi, '$1 another value');
  return { ...p, message };
}
