// `baton costs [--since 30d|YYYY-MM-DD] [--by model|task|repo] [--json]`: LLM spend from the ledger.
import { parseDuration } from '../flow/duration.js';
import type { Store } from '../store/types.js';
import { aggregateLedger, formatReport, type CostsBy } from '../llm/costs.js';

import type { CliIo } from './io.js';
import { errorMessage } from '../ops/errors.js';
import type { Env } from '../config/env.js';
import { commandConfig } from './config.js';
export type CostsIo = CliIo;

export interface CostsDeps {
  openStore?: (o: { dataDir?: string; databaseUrl?: string }) => Promise<Store> | Store;
  env?: Env;
  now?: () => number;
}

const USAGE = 'usage: baton costs [--since 30d|YYYY-MM-DD] [--by model|task|repo] [--json]';

/** '30d', '12h', '2w' or an ISO date → ISO timestamp; undefined when unparseable. */
export function parseSince(v: string, nowMs: number): string | undefined {
  const ago = parseDuration(v);
  if (ago !== undefined) return new Date(nowMs - ago).toISOString();
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** '2026-11-01T07:21:34.599Z' → '2026-11-01 07:21 UTC': what a person reads (JSON output keeps the ISO form). */
export function readableTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

async function defaultOpenStore(o: { dataDir?: string; databaseUrl?: string }): Promise<Store> {
  // Loaded on use: the store pulls in the SQLite/PostgreSQL drivers, which `--help` and tests with an injected store
  // do not need.
  const { openStore } = await import('../store/index.js');
  return openStore(o);
}

export async function runCosts(argv: string[], io: CostsIo, deps: CostsDeps = {}): Promise<number> {
  const now = deps.now ?? Date.now;
  let since = '30d';
  let by: CostsBy = 'model';
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--since') since = value() ?? '';
    else if (flag === '--by') by = (value() ?? '') as CostsBy;
    else if (flag === '--json') json = true;
    else if (flag === '-h' || flag === '--help') {
      io.out(USAGE);
      return 0;
    } else {
      io.err(`baton costs: unknown argument "${a}"\n${USAGE}`);
      return 2;
    }
  }
  if (!['model', 'task', 'repo'].includes(by)) {
    io.err(`baton costs: --by must be model, task or repo (got "${by}")\n${USAGE}`);
    return 2;
  }
  const sinceIso = parseSince(since, now());
  if (!sinceIso) {
    io.err(`baton costs: --since takes a duration like 30d / 12h / 2w or a date like 2025-01-31 (got "${since}")`);
    return 2;
  }
  const config = commandConfig('costs', deps.env);
  if ('error' in config) {
    io.err(config.error);
    return 2;
  }
  let store: Store;
  try {
    store = await (deps.openStore ?? defaultOpenStore)(config.store);
  } catch (e) {
    io.err(`baton costs: could not open the store (${errorMessage(e)}). Check BATON_DATA_DIR or DATABASE_URL.`);
    return 1;
  }
  try {
    await store.migrate();
    const report = aggregateLedger(await store.ledger({ since: sinceIso }), by);
    if (json) io.out(JSON.stringify({ since: sinceIso, ...report }));
    else if (report.rows.length === 0) io.out(`No LLM calls since ${readableTime(sinceIso)}.`);
    else io.out(`LLM spend since ${readableTime(sinceIso)}, by ${by}:\n${formatReport(report)}`);
    return 0;
  } finally {
    await store.close();
  }
}
