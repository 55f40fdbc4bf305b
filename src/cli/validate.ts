// `baton validate [path] [--json]`: checks a flow.yml offline, the way CI and editors want it —
// `path:line:col: severity: message` per problem, exit 1 on any error.
import { readFile } from 'node:fs/promises';
import { formatProblem, loadFlowBytes, summarizeFlow } from '../flow/index.js';
import type { FlowProblem } from '../flow/types.js';
import { localBaseFetcher } from '../flow/local-base.js';

import type { CliIo } from './io.js';
import { errorMessage } from '../ops/errors.js';
export type { CliIo };

const USAGE = 'usage: baton validate [path] [--json] [--base-dir DIR]   (path defaults to .github/flow.yml)';

export async function runValidate(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  let baseDir: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--base-dir') {
      baseDir = argv[++i];
      if (!baseDir) {
        io.err(`baton validate: --base-dir needs a directory\n${USAGE}`);
        return 2;
      }
    } else if (a.startsWith('--base-dir=')) baseDir = a.slice('--base-dir='.length);
    else rest.push(a);
  }
  const unknown = rest.filter((a) => a.startsWith('-') && a !== '--json');
  const paths = rest.filter((a) => !a.startsWith('-'));
  if (unknown.length || paths.length > 1) {
    io.err(`baton validate: unexpected argument ${[...unknown, ...paths.slice(1)].join(' ')}\n${USAGE}`);
    return 2;
  }
  const path = paths[0] ?? '.github/flow.yml';
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(
      code === 'ENOENT'
        ? `baton validate: ${path} not found — pass the path of your flow file, or create .github/flow.yml (e.g. \`version: 1\` + \`extends: preset:feature\`)`
        : `baton validate: cannot read ${path}: ${errorMessage(err)}`,
    );
    return 2;
  }
  // Offline: a remote `extends` resolves from --base-dir, or becomes a located warning (presets always resolve).
  const result = await loadFlowBytes(bytes, path, baseDir ? { fetchBase: localBaseFetcher(baseDir) } : {});
  const errors = result.problems.filter((p: FlowProblem) => p.severity === 'error').length;
  const warnings = result.problems.length - errors;
  if (json) {
    io.out(
      JSON.stringify(
        {
          path,
          valid: errors === 0,
          problems: result.problems,
          ...(result.flow ? { summary: summarizeFlow(result.flow) } : {}),
        },
        null,
        2,
      ),
    );
    return errors ? 1 : 0;
  }
  for (const p of result.problems) io.out(formatProblem(p));
  if (errors) {
    io.err(
      `${path}: ${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`,
    );
    return 1;
  }
  if (result.flow) io.out(`${path}: ok — ${summarizeFlow(result.flow)}`);
  else if (result.unresolvedBase)
    io.out(
      `${path}: ok as far as it can be checked offline (base ${result.unresolvedBase} not fetched; --base-dir DIR checks it from DIR/owner/repo/path)`,
    );
  return 0;
}
