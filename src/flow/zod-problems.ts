// Turns zod issues into FlowProblems that name the offending key, say what to write instead, and point at the
// node in the YAML file. zod's own messages ("Invalid input") are not actionable for someone editing a YAML file.
import type { z } from 'zod';
import { formatPath, positionOf, valueAt, type ParsedYaml, type YamlPath } from './parse.js';
import { didYouMean } from './suggest.js';
import type { FlowProblem } from './types.js';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

interface Located {
  path: YamlPath;
  key?: boolean; // locate at the key of the last segment (unknown keys, bad record keys)
  message: string;
}

function prefix(path: YamlPath): string {
  return path.length ? `${formatPath(path)}: ` : '';
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  const s = JSON.stringify(v);
  return `${typeof v} ${s.length > 40 ? `${s.slice(0, 37)}...` : s}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
};

// Walks the schema to the object at `path` so unknown keys can be matched against the keys allowed THERE.
function defOf(s: AnySchema): Record<string, unknown> & { type: string } {
  return (s as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
}
function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (;;) {
    const def = defOf(cur);
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault')
      cur = def.innerType as AnySchema;
    else return cur;
  }
}
export function schemaAt(root: AnySchema, path: YamlPath, _data: unknown): AnySchema | undefined {
  let cur: AnySchema | undefined = unwrap(root);
  for (let i = 0; i < path.length && cur; i++) {
    const def = defOf(cur);
    const seg = path[i]!;
    if (def.type === 'object') cur = (def.shape as Record<string, AnySchema>)[String(seg)];
    else if (def.type === 'array') cur = def.element as AnySchema;
    else if (def.type === 'record') cur = def.valueType as AnySchema;
    else if (def.type === 'union') {
      // Pick the option that is an object holding the next key (actions are single-key maps).
      const options = def.options as AnySchema[];
      cur = options.map(unwrap).find((o) => defOf(o).type === 'object' && String(seg) in (defOf(o).shape as object));
      if (cur) cur = (defOf(cur).shape as Record<string, AnySchema>)[String(seg)];
    } else return undefined;
    if (cur) cur = unwrap(cur);
  }
  if (cur && defOf(cur).type === 'union') return cur;
  return cur;
}

function allowedKeys(root: AnySchema, path: YamlPath, data: unknown): string[] {
  const s = schemaAt(root, path, data);
  if (!s) return [];
  const def = defOf(s);
  if (def.type === 'object') return Object.keys(def.shape as object);
  if (def.type === 'union') {
    return (def.options as AnySchema[])
      .map(unwrap)
      .flatMap((o) => (defOf(o).type === 'object' ? Object.keys(defOf(o).shape as object) : []));
  }
  return [];
}

// A union branch "fits" when its issues are about the value's content, not about it being the wrong shape.
function structuralCount(issues: Issue[], base: YamlPath, data: unknown): number {
  let n = 0;
  for (const i of issues) {
    if (
      i.code === 'invalid_type' &&
      (i.path.length === 0 || valueAt(data, [...base, ...(i.path as YamlPath)]) === undefined)
    )
      n++;
    else if (i.code === 'unrecognized_keys' && i.path.length === 0) n++;
    else if (i.code === 'invalid_value' && i.path.length === 0 && typeof valueAt(data, base) === 'object') n++; // a map is not an enum word
  }
  return n;
}

function unionFallback(path: YamlPath, value: unknown, options: Issue[][]): Located {
  const p = formatPath(path);
  if (/^stages\[\d+\]\.enter\[\d+\]$/.test(p)) {
    const keys = value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
    const actionKeys = ['comment', 'label', 'request_review', 'docs'];
    const unknown = keys.find((k) => !actionKeys.includes(k));
    const what =
      unknown !== undefined
        ? `unknown action "${unknown}"${didYouMean(unknown, actionKeys)}`
        : `invalid action (${describeValue(value)})`;
    return {
      path,
      message: `${prefix(path)}${what} — an action is one of assign, request_review, risk, docs, or a map with exactly one of comment:, label:, request_review:, docs:`,
    };
  }
  if (/^roles\.[^.]+$/.test(p)) {
    return {
      path,
      message: `${prefix(path)}expected a GitHub login, an org/team slug, or a list of them; got ${describeValue(value)}`,
    };
  }
  const expected = [
    ...new Set(
      options.flatMap((o) =>
        o
          .filter((i) => i.code === 'invalid_type' && i.path.length === 0)
          .map((i) => TYPE_WORDS[(i as { expected: string }).expected] ?? (i as { expected: string }).expected),
      ),
    ),
  ];
  return {
    path,
    message: `${prefix(path)}expected ${expected.length ? expected.join(' or ') : 'a different value'}; got ${describeValue(value)}`,
  };
}

function toLocated(issue: Issue, base: YamlPath, data: unknown, root: AnySchema): Located[] {
  const path: YamlPath = [...base, ...(issue.path as YamlPath)];
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(root, path, data);
      return issue.keys.map((k) => {
        const hint = didYouMean(k, allowed);
        return {
          path: [...path, k],
          key: true,
          message: `${prefix(path)}unknown key "${k}"${hint || (allowed.length ? ` — allowed keys: ${allowed.join(', ')}` : '')}`,
        };
      });
    }
    case 'invalid_type': {
      if (value === undefined) {
        const parent = path.slice(0, -1);
        const key = path[path.length - 1];
        const hint = key === 'version' ? ' — add `version: 1`' : key === 'id' ? ' — every stage needs an `id:`' : '';
        return [{ path: parent, message: `${prefix(parent)}missing required key "${String(key)}"${hint}` }];
      }
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      // `sla: 48`: a bare number has no unit; say which one to add.
      const last = path[path.length - 1];
      const fix =
        typeof value === 'number' && (last === 'sla' || last === 'since')
          ? ` — add a unit: \`${last}: ${value}h\` (or ${value}m, ${value}d, ${value}w)`
          : typeof value === 'number' && issue.expected === 'string'
            ? ` — quote it: \`"${value}"\``
            : '';
      return [{ path, message: `${prefix(path)}expected ${expected}, got ${describeValue(value)}${fix}` }];
    }
    case 'invalid_value': {
      if (value === undefined) {
        const parent = path.slice(0, -1);
        const key = path[path.length - 1];
        const hint = key === 'version' ? ' — add `version: 1`' : '';
        return [{ path: parent, message: `${prefix(parent)}missing required key "${String(key)}"${hint}` }];
      }
      if (path.length === 1 && path[0] === 'version') {
        return [
          { path, message: `version: unsupported version ${JSON.stringify(value)} — this Baton reads \`version: 1\`` },
        ];
      }
      const values = issue.values.map(String);
      const what =
        path[path.length - 1] === 'event'
          ? 'unknown event'
          : path[path.length - 2] === 'enter'
            ? 'unknown action'
            : 'invalid value';
      const hint = typeof value === 'string' ? didYouMean(value, values) : '';
      return [
        { path, message: `${prefix(path)}${what} ${JSON.stringify(value)}${hint} — use one of: ${values.join(', ')}` },
      ];
    }
    case 'invalid_format': {
      const last = path[path.length - 1];
      if (last === 'command' && typeof value === 'string') {
        // The word after /baton: say which word to write instead of showing the pattern.
        const word = value
          .toLowerCase()
          .replace(/^\/?(baton\s+)?/, '')
          .replace(/[^a-z0-9-]+/g, '-')
          .replace(/^[^a-z]+|-+$/g, '');
        return [
          {
            path,
            message: `${prefix(path)}${JSON.stringify(value)} is not a command word — a command is one lower-case word (letters, digits, -) said as \`/baton <word>\`${word ? `; write \`${word}\`` : ', e.g. `ship`'}`,
          },
        ];
      }
      const custom =
        issue.message && !issue.message.startsWith('Invalid')
          ? issue.message
          : `must match ${(issue as { pattern?: string }).pattern ?? issue.format}`;
      return [{ path, message: `${prefix(path)}${JSON.stringify(value)} is not valid: ${custom}` }];
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      // zod's `.positive()` is "more than 0" (exclusive): "at least 0, got 0" would contradict itself.
      const inclusive = (issue as { inclusive?: boolean }).inclusive !== false;
      const word =
        issue.code === 'too_small' ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
      const unit = issue.origin === 'array' ? ' item(s)' : issue.origin === 'string' ? ' character(s)' : '';
      return [{ path, message: `${prefix(path)}must be ${word} ${String(bound)}${unit}, got ${describeValue(value)}` }];
    }
    case 'invalid_key': {
      const inner = issue.issues[0]?.message;
      return [
        {
          path,
          key: true,
          message: `${prefix(path.slice(0, -1))}invalid key "${String(path[path.length - 1])}"${inner ? ` — ${inner}` : ''}`,
        },
      ];
    }
    case 'invalid_union': {
      const options = issue.errors as Issue[][];
      if (!options.length) return [{ path, message: `${prefix(path)}${issue.message}` }];
      const scored = options
        .map((o) => ({ o, s: structuralCount(o, path, data) }))
        .sort((a, b) => a.s - b.s || a.o.length - b.o.length);
      const best = scored[0]!;
      if (best.s === 0) return best.o.flatMap((i) => toLocated(i, path, data, root));
      return [unionFallback(path, value, options)];
    }
    default:
      return [{ path, message: `${prefix(path)}${issue.message}` }];
  }
}

/** All zod issues of `data` against `schema` as located problems in `parsed`. */
export function zodProblems(issues: Issue[], parsed: ParsedYaml, schema: AnySchema): FlowProblem[] {
  const out: FlowProblem[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    for (const l of toLocated(issue, [], parsed.data, schema)) {
      const pos = positionOf(parsed, l.path, { key: l.key });
      const k = `${pos.line}:${pos.col}:${l.message}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ path: parsed.path, line: pos.line, col: pos.col, message: l.message, severity: 'error' });
    }
  }
  return out;
}
