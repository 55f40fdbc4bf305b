// Parses flow.yml text while keeping the YAML AST, so every problem found later (by zod, by the semantic checks,
// by the extends resolver) can be reported at the exact line:col of the node the user has to edit.
import { isMap, isPair, isScalar, isSeq, LineCounter, Parser, parseDocument, type Document, type Node } from 'yaml';
import type { FlowProblem } from './types.js';
import { errorMessage } from '../ops/errors.js';

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
  // An unclosed quote or flow collection makes yaml complain where the file ENDS; the fix is where it OPENS.
  const unclosed = doc.errors.length ? findUnclosed(text) : undefined;
  if (unclosed) {
    const { line, col } = lineCounter.linePos(unclosed.offset);
    problems.push({ path, line, col, severity: 'error', message: unclosed.message });
  } else for (const e of doc.errors) push(e, 'error');
  for (const w of doc.warnings) push(w, 'warning');
  let data: unknown;
  try {
    data = doc.errors.length ? undefined : doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const alias = /alias/i.test(errorMessage(err)) ? firstOf(text, 'alias') : undefined;
    const { line, col } = alias === undefined ? { line: 1, col: 1 } : lineCounter.linePos(alias);
    problems.push({
      path,
      line,
      col,
      severity: 'error',
      message:
        alias === undefined
          ? `cannot read YAML: ${errorMessage(err)}`
          : 'YAML aliases expand too far (more than 100 alias uses, an "alias bomb") — write the values out instead of nesting *aliases',
    });
  }
  return { path, text, doc, lineCounter, data, problems };
}

interface CstToken {
  type?: string;
  offset?: number;
  source?: string;
  start?: CstToken | CstToken[];
  end?: CstToken[];
}

/** Depth-first over yaml's concrete syntax tree (tokens keep their offsets even when the document is broken). */
function* tokens(text: string): Generator<CstToken> {
  const stack: unknown[] = [...new Parser().parse(text)];
  while (stack.length) {
    const t = stack.shift();
    if (!t || typeof t !== 'object') continue;
    if (Array.isArray(t)) {
      stack.unshift(...t);
      continue;
    }
    const tok = t as CstToken;
    if (typeof tok.type === 'string') yield tok;
    stack.unshift(...Object.values(tok).filter((v) => v && typeof v === 'object'));
  }
}

function firstOf(text: string, type: string): number | undefined {
  for (const t of tokens(text)) if (t.type === type && t.offset !== undefined) return t.offset;
  return undefined;
}

/** The first quote or flow collection that opens and never closes, with a message that names the fix. */
function findUnclosed(text: string): { offset: number; message: string } | undefined {
  for (const t of tokens(text)) {
    if (t.offset === undefined) continue;
    if (t.type === 'double-quoted-scalar' || t.type === 'single-quoted-scalar') {
      const q = t.type === 'double-quoted-scalar' ? '"' : "'";
      const src = t.source ?? '';
      const closed = src.length > 1 && src.endsWith(q) && (q === "'" || !src.endsWith('\\"') || src.endsWith('\\\\"'));
      if (!closed)
        return {
          offset: t.offset,
          message: `YAML syntax error: this ${q} quote is never closed — add the closing ${q} at the end of the value`,
        };
    }
    if (t.type === 'flow-collection' && !Array.isArray(t.start)) {
      const open = t.start?.source ?? '{';
      const close = open === '{' ? '}' : ']';
      if (!(t.end ?? []).some((e) => e.source === close))
        return {
          offset: t.offset,
          message: `YAML syntax error: this ${open} is never closed — add the closing ${close} (a flow ${open === '{' ? 'map' : 'list'} must close before the next line at its level)`,
        };
    }
  }
  return undefined;
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
