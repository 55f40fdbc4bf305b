// What a merged change means for the people who use the code, read from its diff: exported symbols, HTTP endpoints,
// configuration keys and migrations. Both the model's prompt and the offline summary are written from these facts,
// so the two fill one template. Only added/removed lines are read, each cut to 400 characters, and every pattern is
// bounded: a hostile diff costs linear time.
import type { PullFile } from '../../github/port.js';
import { removedExports } from './check.js';

export interface ExportFact {
  file: string;
  name: string;
  /** `lineDiscount(line: Line)` for a function, else the name. */
  usage: string;
  kind: 'function' | 'class' | 'type' | 'value';
}

export interface MigrationFact {
  file: string;
  /** `adds column orders.discount_cents`, `creates index orders_discount_idx`. */
  changes: string[];
}

export interface DocsFacts {
  exports: ExportFact[];
  removed: string[];
  endpoints: string[];
  configKeys: string[];
  migrations: MigrationFact[];
  tests: string[];
  files: number;
  additions: number;
  deletions: number;
  dirs: string[];
}

const EXPORT_LINE =
  /^\+\s{0,8}export\s+(?:default\s+)?(?:declare\s+)?(?:async\s+)?(function\*?|const|let|var|class|interface|type|enum|abstract\s+class)\s+([A-Za-z_$][\w$]{0,80})\s{0,4}(\([^)]{0,120}\))?/;
const ENDPOINTS = [
  // Express / Koa / Fastify / Hono: app.get('/path', …)
  /\b(?:app|router|server|api|route|fastify|r)\.(get|post|put|patch|delete)\(\s{0,4}['"`](\/[^'"`\s]{0,120})['"`]/i,
  // Nest / Spring style decorators: @Get('/path'), @PostMapping("/path")
  /@(Get|Post|Put|Patch|Delete)(?:Mapping)?\(\s{0,4}['"](\/?[^'"\s]{0,120})['"]/,
  // Flask / FastAPI: @app.route("/path", methods=[…]) or @app.post("/path")
  /@\w{1,30}\.(route|get|post|put|patch|delete)\(\s{0,4}['"](\/[^'"\s]{0,120})['"]/,
];
const ENV_KEYS = [
  /process\.env\.([A-Z][A-Z0-9_]{1,60})\b/g,
  /process\.env\[\s{0,2}['"]([A-Z][A-Z0-9_]{1,60})['"]/g,
  /os\.(?:environ(?:\.get)?|getenv)[([]\s{0,2}['"]([A-Z][A-Z0-9_]{1,60})['"]/g,
  /\bENV(?:\.fetch)?[([]\s{0,2}['"]([A-Z][A-Z0-9_]{1,60})['"]/g,
  /\bgetenv\(\s{0,2}['"]([A-Z][A-Z0-9_]{1,60})['"]/g,
];
const ENV_FILE = /(^|\/)\.env(\.[\w-]{1,30})?$/;
const MIGRATION_FILE = /(^|\/)(migrations?|migrate|db\/migrate)\/|\.sql$/i;
const TEST_FILE = /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[a-z]{1,4}$/i;
const IDENT = '[`"\\[]?([\\w.]{1,80})[`"\\]]?';
const SQL: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [
    new RegExp(`^\\+\\s{0,8}CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${IDENT}`, 'i'),
    (m) => `creates table \`${m[1]}\``,
  ],
  [new RegExp(`^\\+\\s{0,8}DROP\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?${IDENT}`, 'i'), (m) => `drops table \`${m[1]}\``],
  [
    new RegExp(
      `^\\+\\s{0,8}ALTER\\s+TABLE\\s+${IDENT}\\s+ADD\\s+(?:COLUMN\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?${IDENT}`,
      'i',
    ),
    (m) => `adds column \`${m[1]}.${m[2]}\``,
  ],
  [
    new RegExp(`^\\+\\s{0,8}ALTER\\s+TABLE\\s+${IDENT}\\s+DROP\\s+(?:COLUMN\\s+)?(?:IF\\s+EXISTS\\s+)?${IDENT}`, 'i'),
    (m) => `drops column \`${m[1]}.${m[2]}\``,
  ],
  [
    new RegExp(
      `^\\+\\s{0,8}CREATE\\s+(?:UNIQUE\\s+)?INDEX\\s+(?:CONCURRENTLY\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?${IDENT}`,
      'i',
    ),
    (m) => `creates index \`${m[1]}\``,
  ],
];

function lines(f: Pick<PullFile, 'patch'>, sign: '+' | '-'): string[] {
  return (f.patch ?? '')
    .split('\n')
    .filter((l) => l.startsWith(sign) && !l.startsWith(`${sign}${sign}${sign}`))
    .map((l) => l.slice(0, 400));
}

const dirOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '.');

export function docsFacts(files: readonly PullFile[]): DocsFacts {
  const exports: ExportFact[] = [];
  const endpoints = new Set<string>();
  const configKeys = new Set<string>();
  const migrations: MigrationFact[] = [];
  for (const f of files.slice(0, 300)) {
    const added = lines(f, '+');
    for (const l of added) {
      const m = EXPORT_LINE.exec(l);
      if (m && !exports.some((e) => e.name === m[2])) {
        const k = m[1]!;
        const kind = /function/.test(k)
          ? 'function'
          : /class/.test(k)
            ? 'class'
            : /interface|type|enum/.test(k)
              ? 'type'
              : 'value';
        // An arrow function assigned to a const is used like a function.
        const arrow = kind === 'value' && /=\s{0,4}(?:async\s+)?\([^)]{0,120}\)\s{0,4}(?::[^=]{0,60})?=>/.exec(l);
        const params = m[3] ?? (arrow ? /\([^)]{0,120}\)/.exec(arrow[0])?.[0] : undefined);
        exports.push({
          file: f.filename,
          name: m[2]!,
          usage: params && (kind === 'function' || arrow) ? `${m[2]}${params}` : m[2]!,
          kind: arrow ? 'function' : kind,
        });
      }
      for (const re of ENDPOINTS) {
        const e = re.exec(l);
        if (e) endpoints.add(`${e[1]!.toUpperCase() === 'ROUTE' ? 'ANY' : e[1]!.toUpperCase()} ${e[2]}`);
      }
      for (const re of ENV_KEYS) for (const k of l.matchAll(re)) configKeys.add(k[1]!);
      if (ENV_FILE.test(f.filename)) {
        const k = /^\+\s{0,4}(?:export\s+)?([A-Z][A-Z0-9_]{1,60})\s{0,2}=/.exec(l);
        if (k) configKeys.add(k[1]!);
      }
    }
    if (MIGRATION_FILE.test(f.filename) && f.status !== 'removed') {
      const changes: string[] = [];
      for (const l of added)
        for (const [re, say] of SQL) {
          const m = re.exec(l);
          if (m && !changes.includes(say(m))) changes.push(say(m));
        }
      migrations.push({ file: f.filename, changes: changes.slice(0, 6) });
    }
  }
  return {
    exports: exports.slice(0, 40),
    removed: removedExports(files),
    endpoints: [...endpoints].slice(0, 12),
    configKeys: [...configKeys].slice(0, 12),
    migrations: migrations.slice(0, 6),
    tests: files.filter((f) => TEST_FILE.test(f.filename)).map((f) => f.filename),
    files: files.length,
    additions: files.reduce((a, f) => a + f.additions, 0),
    deletions: files.reduce((a, f) => a + f.deletions, 0),
    dirs: [...new Set(files.map((f) => dirOf(f.filename)))],
  };
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
function names(xs: readonly string[], max = 4): string {
  const shown = xs.slice(0, max).map(code).join(', ');
  return xs.length > max ? `${shown} and ${xs.length - max} more` : shown;
}

/** "What changed", in terms of the code. */
export function whatChanged(f: DocsFacts): string[] {
  const out: string[] = [];
  const byFile = new Map<string, string[]>();
  for (const e of f.exports) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e.name]);
  for (const [file, xs] of [...byFile].slice(0, 4)) out.push(`New or changed exports in ${code(file)}: ${names(xs)}`);
  if (f.removed.length) out.push(`Breaking: removes the export${f.removed.length > 1 ? 's' : ''} ${names(f.removed)}`);
  for (const e of f.endpoints.slice(0, 4)) out.push(`HTTP endpoint ${code(e)}`);
  if (f.configKeys.length) out.push(`Configuration: reads ${names(f.configKeys, 6)} from the environment`);
  for (const m of f.migrations)
    out.push(`Migration ${code(m.file)}${m.changes.length ? `: ${m.changes.join(', ')}` : ''}`);
  if (f.tests.length) out.push(`Tests: ${names(f.tests, 2)}`);
  const size = `${f.files} file${f.files === 1 ? '' : 's'} changed (+${f.additions}/-${f.deletions})`;
  out.push(out.length ? size : `${size} in ${names(f.dirs, 5)}`);
  return out;
}

/** "How to use it" from the facts, when the PR does not say. */
export function howToUse(f: DocsFacts): string {
  const out: string[] = [];
  for (const m of f.migrations) out.push(`- Apply the migration ${code(m.file)} before deploying.`);
  for (const k of f.configKeys.slice(0, 6)) out.push(`- Set ${code(k)} in the environment.`);
  for (const e of f.endpoints.slice(0, 4)) out.push(`- Call ${code(e)}.`);
  const fns = f.exports.filter((e) => e.kind === 'function' || e.kind === 'class').slice(0, 3);
  for (const e of fns) out.push(`- ${e.kind === 'class' ? 'Use' : 'Call'} ${code(e.usage)} from ${code(e.file)}.`);
  if (!out.length && f.exports.length)
    out.push(`- Import ${names(f.exports.map((e) => e.name))} from ${code(f.exports[0]!.file)}.`);
  if (f.removed.length)
    out.push(`- Replace uses of ${names(f.removed)}: ${f.removed.length > 1 ? 'they are' : 'it is'} gone.`);
  return out.length ? out.join('\n') : 'Nothing to set up: no new export, endpoint, setting or migration.';
}

/** The facts as plain lines for the model's prompt (trusted: Baton computed them, though names come from the diff). */
export function factsForPrompt(f: DocsFacts): string {
  return [
    f.exports.length ? `Exports: ${f.exports.map((e) => `${e.usage} (${e.file})`).join('; ')}` : '',
    f.removed.length ? `Removed exports: ${f.removed.join(', ')}` : '',
    f.endpoints.length ? `HTTP endpoints: ${f.endpoints.join(', ')}` : '',
    f.configKeys.length ? `Environment keys read: ${f.configKeys.join(', ')}` : '',
    ...f.migrations.map((m) => `Migration ${m.file}: ${m.changes.join(', ') || 'changes the schema'}`),
  ]
    .filter(Boolean)
    .join('\n');
}
