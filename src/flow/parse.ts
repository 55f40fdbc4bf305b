// Parses flow.yml text while keeping the YAML AST, so every problem found later (by zod, by the semantic checks,
// by the extends resolver) can be reported at the exact line:col of the node the user has to edit.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { FlowProblem } from './types.js';

export type YamlPath = ReadonlyArray<string | number>;

export interface ParsedYaml {
  /** Where the text came from: a repo path, `preset:<name>` or `owner/repo:path@ref`. */
  path: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The plain JS value of the document (undefined for an empty file). */
  data: unknown;
  /** YAML syntax errors (and duplicate keys) as errors; YAML warnings as warnings. */
  problems: FlowProblem[];
}

export interface Position {
  line: number;
  col: number;
}

// yaml reports indentation errors at the start of the offending line's whitespace; the user has to fix the token
// after it, so move to the first non-space character of that line (tabs are kept: the tab itself is the problem).
function skipSpaces(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && text[i] === ' ') i++;
  return i < text.length && text[i] !== '\n' && text[i] !== '\r' ? i : offset;
}

// yaml's messages end with "at line X, column Y:" plus a code frame; the location is reported separately.
function cleanYamlMessage(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'remove or rename one of them',
  BAD_INDENT: 'check the indentation: keys of one map must start in the same column',
  MISSING_CHAR: 'check the indentation and closing quotes/brackets',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BLOCK_AS_IMPLICIT_KEY: 'check the indentation: a nested value must be indented under its key',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; quote the value or check the indentation',
  UNEXPECTED_TOKEN: 'check the indentation and quoting',
};

export function parseYaml(text: string, path: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // uniqueKeys (the default) turns duplicate keys into DUPLICATE_KEY errors: a repeated `on:` silently replacing the
  // first one is exactly the kind of mistake users cannot see.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const problems: FlowProblem[] = [];
  const push = (e: { code: string; message: string; pos: [number, number] }, severity: FlowProblem['severity']) => {
    const offset = skipSpaces(text, e.pos[0]);
    const { line, col } = lineCounter.linePos(offset);
    const hint = YAML_HINTS[e.code];
    // Name the repeated key: yaml's message does not.
    const key = e.code === 'DUPLICATE_KEY' ? /^[^\s:#]+|^"[^"]*"|^'[^']*'/.exec(text.slice(offset))?.[0] : undefined;
    const what =
      e.code === 'DUPLICATE_KEY'
        ? `duplicate key${key ? ` ${key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`}` : ''}`
        : 'YAML syntax error';
    problems.push({
      path,
      line,
      col,
      severity,
      message: `${what}: ${cleanYamlMessage(e.message)}${hint ? ` — ${hint}` : ''}`,
    });
  };
  for (const e of doc.errors) push(e, 'error');
  for (const w of doc.warnings) push(w, 'warning');
  let data: unknown;
  try {
    data = doc.errors.length ? undefined : doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    problems.push({ path, line: 1, col: 1, severity: 'error', message: `cannot read YAML: ${(err as Error).message}` });
  }
  return { path, text, doc, lineCounter, data, problems };
}

function nodeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : undefined;
}

/**
 * Line:col (1-based) of the node at `path`. With `key: true` the position of the last segment's KEY (used for
 * unknown keys). When the path does not exist (a missing key) the deepest existing ancestor is used, so a problem
 * always points somewhere the user can act on.
 */
export function positionOf(parsed: ParsedYaml, path: YamlPath, opts: { key?: boolean } = {}): Position {
  let node: unknown = parsed.doc.contents;
  let offset = nodeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyStart = nodeStart(pair.key);
      if (last && opts.key) {
        offset = keyStart ?? offset;
        break;
      }
      const valueStart = nodeStart(pair.value);
      // `owner:` with no value has no value node: point at the key.
      if (valueStart === undefined || (isScalar(pair.value) && pair.value.value === null && pair.value.source === '')) {
        offset = keyStart ?? offset;
        node = pair.value;
        if (valueStart === undefined) break;
        continue;
      }
      node = pair.value;
      offset = valueStart;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      const start = nodeStart(item);
      if (start === undefined) break;
      node = item;
      offset = start;
    } else {
      break;
    }
  }
  return parsed.lineCounter.linePos(offset);
}

/** The plain value at `path` inside `data` (undefined when absent). */
export function valueAt(data: unknown, path: YamlPath): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** `stages[2].on[0].to` — how paths are shown in messages. */
export function formatPath(path: YamlPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}
