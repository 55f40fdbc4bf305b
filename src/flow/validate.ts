// Validation of ONE flow file on its own: YAML syntax, the zod schema, and the checks that need nothing but that
// file (duplicate ids, guards that do not fit their event, child-only keys without `extends`). Checks that need the
// assembled flow (unknown stages/roles, reachability) run after extends are resolved: see check.ts.
import { FlowFileSchema, type FlowFile, type TransitionConfig } from './schema.js';
import type { z } from 'zod';
import { formatPath, parseYaml, positionOf, valueAt, type ParsedYaml, type YamlPath } from './parse.js';
import { EVENT_NAMES } from './schema.js';
import type { FlowProblem } from './types.js';
import { zodProblems } from './zod-problems.js';

export interface SourceFile {
  parsed: ParsedYaml;
  file: FlowFile;
}

export function problemAt(
  parsed: ParsedYaml,
  path: YamlPath,
  message: string,
  severity: FlowProblem['severity'] = 'error',
  key = false,
): FlowProblem {
  const { line, col } = positionOf(parsed, path, { key });
  return { path: parsed.path, line, col, message, severity };
}

// Which events each guard makes sense on: a guard on another event would silently never match (or always match).
export const GUARD_EVENTS: Record<string, readonly string[]> = {
  label: ['issue.labeled', 'issue.unlabeled'],
  approvals: ['review.approved'],
  approved_by: ['review.approved'],
  conclusion: ['checks.completed'],
  check: ['checks.completed'],
  command: ['command'],
};

/** Guard/event mismatches of one transition at `path` (e.g. ['stages', 1, 'on', 0]). */
export function transitionProblems(parsed: ParsedYaml, path: YamlPath, t: TransitionConfig): FlowProblem[] {
  const out: FlowProblem[] = [];
  const at = formatPath(path);
  for (const [guard, events] of Object.entries(GUARD_EVENTS)) {
    if ((t as Record<string, unknown>)[guard] === undefined || events.includes(t.event)) continue;
    // An unknown event is its own error; which guards fit it cannot be said.
    if (!(EVENT_NAMES as readonly string[]).includes(t.event)) continue;
    out.push(
      problemAt(
        parsed,
        [...path, guard],
        `${at}.${guard}: the "${guard}" guard only applies to event ${events.join(' / ')}, not "${t.event}" — remove it or change the event`,
        'error',
        true,
      ),
    );
  }
  if (t.event === 'command' && t.command === undefined) {
    out.push(
      problemAt(
        parsed,
        [...path, 'event'],
        `${at}: event "command" needs a \`command:\` (the word after /baton, e.g. \`command: ship\`)`,
      ),
    );
  }
  return out;
}

/** Checks of one schema-valid file that do not depend on its base flow. */
export function fileProblems(parsed: ParsedYaml, file: FlowFile): FlowProblem[] {
  const out: FlowProblem[] = [];
  const firstAt = new Map<string, number>();
  (file.stages ?? []).forEach((s, i) => {
    const prev = firstAt.get(s.id);
    if (prev !== undefined) {
      const line = positionOf(parsed, ['stages', prev, 'id']).line;
      out.push(
        problemAt(
          parsed,
          ['stages', i, 'id'],
          `stages[${i}].id: duplicate stage id "${s.id}" (first defined at line ${line}) — stage ids must be unique; rename one`,
        ),
      );
    } else firstAt.set(s.id, i);
    if (!file.extends) {
      for (const key of ['before', 'after', 'remove'] as const) {
        if (s[key] === undefined) continue;
        out.push(
          problemAt(
            parsed,
            ['stages', i, key],
            `stages[${i}].${key}: only a child flow (one with \`extends:\`) can use ${key}: — remove it, or add extends:`,
            'error',
            true,
          ),
        );
      }
    }
    if (s.before !== undefined && s.after !== undefined) {
      out.push(
        problemAt(
          parsed,
          ['stages', i, 'after'],
          `stages[${i}]: use either before: or after:, not both`,
          'error',
          true,
        ),
      );
    }
    (s.on ?? []).forEach((t, j) => out.push(...transitionProblems(parsed, ['stages', i, 'on', j], t)));
  });
  return out;
}

// Keys a transition or stage cannot do without: a bad value is kept as written (a string still names a stage or an
// event well enough for the reference checks), never deleted, so paths and positions stay those of the file.
const KEEP_IF_STRING = new Set(['id', 'to', 'event', 'command']);

/**
 * A best-effort copy of a schema-invalid file for the checks that follow: unknown keys and bad optional values are
 * dropped, required strings are kept as written, a bad action becomes a no-op. Undefined when the shape is too far
 * off to say anything more (not a map, stages not a list).
 */
function repair(data: unknown, issues: z.core.$ZodIssue[]): FlowFile | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const copy = structuredClone(data) as Record<string, unknown>;
  if (copy.stages !== undefined && !Array.isArray(copy.stages)) return undefined;
  for (const issue of issues) {
    const path = issue.path as (string | number)[];
    if (issue.code === 'unrecognized_keys') {
      const obj = valueAt(copy, path);
      if (obj && typeof obj === 'object') for (const k of issue.keys) delete (obj as Record<string, unknown>)[k];
      continue;
    }
    if (!path.length) return undefined;
    const last = path[path.length - 1]!;
    const parent = valueAt(copy, path.slice(0, -1)) as Record<string | number, unknown> | undefined;
    if (!parent || typeof parent !== 'object') continue;
    const v = parent[last];
    if (typeof last === 'string' && KEEP_IF_STRING.has(last) && typeof v === 'string') continue;
    if (last === 'version') parent[last] = 1;
    else if (typeof last === 'number') {
      const grand = path[path.length - 2];
      // A list item: stages must stay a map with an id; an action becomes `assign`; a role member stays text.
      if (grand === 'stages') {
        if (!v || typeof v !== 'object') return undefined;
      } else if (grand === 'enter') parent[last] = 'assign';
      else if (grand === 'on') return undefined;
      else if (typeof v !== 'string') parent[last] = String(v);
    } else delete parent[last];
  }
  return copy as FlowFile;
}

/** Parses and validates one flow file. `file` is present iff it has no error-severity problem. */
export function validateSource(
  text: string,
  path: string,
): { parsed: ParsedYaml; file?: FlowFile; problems: FlowProblem[]; recovered?: FlowFile } {
  const parsed = parseYaml(text, path);
  const problems = [...parsed.problems];
  if (problems.some((p) => p.severity === 'error')) return { parsed, problems };
  if (parsed.data === undefined || parsed.data === null) {
    problems.push({
      path,
      line: 1,
      col: 1,
      severity: 'error',
      message:
        'the flow file is empty — start with `version: 1`, a `trigger:` and `stages:` (or `extends: preset:feature`)',
    });
    return { parsed, problems };
  }
  const result = FlowFileSchema.safeParse(parsed.data);
  if (!result.success) {
    problems.push(...zodProblems(result.error.issues, parsed, FlowFileSchema));
    // Keep going on a repaired copy, so one structural error does not hide the rest of the file's problems.
    const recovered = repair(parsed.data, result.error.issues);
    if (recovered) problems.push(...fileProblems(parsed, recovered).filter((p) => p.severity === 'error'));
    return { parsed, problems, ...(recovered ? { recovered } : {}) };
  }
  problems.push(...fileProblems(parsed, result.data));
  const ok = !problems.some((p) => p.severity === 'error');
  return { parsed, file: ok ? result.data : undefined, problems };
}
