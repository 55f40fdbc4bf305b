// Validation of ONE flow file on its own: YAML syntax, the zod schema, and the checks that need nothing but that
// file (duplicate ids, guards that do not fit their event, child-only keys without `extends`). Checks that need the
// assembled flow (unknown stages/roles, reachability) run after extends are resolved: see check.ts.
import { FlowFileSchema, type FlowFile, type TransitionConfig } from './schema.js';
import { formatPath, parseYaml, positionOf, type ParsedYaml, type YamlPath } from './parse.js';
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
const GUARD_EVENTS: Record<string, readonly string[]> = {
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

/** Parses and validates one flow file. `file` is present iff it has no error-severity problem. */
export function validateSource(
  text: string,
  path: string,
): { parsed: ParsedYaml; file?: FlowFile; problems: FlowProblem[] } {
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
    return { parsed, problems };
  }
  problems.push(...fileProblems(parsed, result.data));
  const ok = !problems.some((p) => p.severity === 'error');
  return { parsed, file: ok ? result.data : undefined, problems };
}
