// `baton risk --metrics FILE|-`: score JSON-lines change metrics offline, one `{score, level, reasons}` per line.
// Lets a team check the scorer against its own history before trusting it on PRs.
import type { CliIo } from './io.js';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { scoreChange, type Thresholds } from '../tasks/risk/score.js';

const count = z.number().int().min(0);
const paths = z.union([
  z.array(z.string()),
  count.transform((n) => Array.from({ length: n }, (_, i) => `path-${i + 1}`)),
]);

/** One line of input: Kamei's metric names; size is required, everything else is optional (unknown = neutral). */
export const MetricsLineSchema = z
  .object({
    la: count,
    ld: count,
    nf: count,
    nd: count.optional(),
    ns: count.optional(),
    entropy: z.number().min(0).max(1).optional(),
    ndev: count.optional(),
    age: z.number().min(0).optional(),
    nuc: count.optional(),
    exp: count.optional(),
    rexp: z.number().min(0).optional(),
    sexp: count.optional(),
    fix: z
      .union([z.boolean(), z.literal(0), z.literal(1)])
      .transform(Boolean)
      .optional(),
    sensitive: paths.optional(),
    deps: paths.optional(),
    testsTouched: count.optional(),
    codeTouched: count.optional(),
    newSubsystems: z.array(z.string()).optional(),
    subsystems: z.array(z.string()).optional(),
  })
  .passthrough();

export interface RiskIo extends CliIo {
  /** Reads standard input (injected so the command is testable); defaults to process.stdin. */
  readStdin?: () => Promise<string>;
}

const USAGE =
  'usage: baton risk --metrics FILE   (JSON lines of change metrics; `-` reads stdin) [--medium 0.4] [--high 0.7]';

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function runRisk(argv: string[], io: RiskIo): Promise<number> {
  let file: string | undefined;
  const th: Partial<Thresholds> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--metrics') file = argv[++i];
    else if (a.startsWith('--metrics=')) file = a.slice(10);
    else if (a === '--medium' || a === '--high') {
      const v = Number(argv[++i]);
      if (!(v >= 0 && v <= 1)) {
        io.err(`${a} takes a number between 0 and 1, got ${argv[i]}`);
        return 2;
      }
      th[a.slice(2) as keyof Thresholds] = v;
    } else if (a === '-h' || a === '--help') {
      io.out(USAGE);
      return 0;
    } else {
      io.err(`unknown argument ${a}\n${USAGE}`);
      return 2;
    }
  }
  if (!file) {
    io.err(USAGE);
    return 2;
  }
  let text: string;
  try {
    text = file === '-' ? await (io.readStdin ?? readAllStdin)() : await readFile(file, 'utf8');
  } catch (err) {
    io.err(`${file}: cannot read (${(err as Error).message}); pass an existing JSON-lines file or - for stdin`);
    return 2;
  }
  const name = file === '-' ? '<stdin>' : file;
  let bad = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      io.err(`${name}:${i + 1}: not valid JSON (${(err as Error).message})`);
      bad++;
      continue;
    }
    const parsed = MetricsLineSchema.safeParse(json);
    if (!parsed.success) {
      const msg = parsed.error.issues.map((iss) => `${iss.path.join('.') || '(line)'}: ${iss.message}`).join('; ');
      io.err(`${name}:${i + 1}: ${msg} (each line needs la, ld, nf as non-negative integers)`);
      bad++;
      continue;
    }
    const r = scoreChange(parsed.data as Parameters<typeof scoreChange>[0], th);
    io.out(JSON.stringify({ score: r.score, level: r.level, reasons: r.reasons }));
  }
  return bad ? 1 : 0;
}
