// `baton report [--repo o/r] [--since 30d] [--format table|md|json|csv]`: KPIs for the last period vs the one before.
import { parseArgs } from 'node:util';
import type { Store } from '../store/types.js';
import { computeKpis, loadSince } from '../report/kpis.js';
import { FORMATS, render, type Format } from '../report/format.js';
import { parseDuration } from '../report/stats.js';
import { withStore, type OpenStore } from '../report/open-store.js';
import { loadMerges } from '../report/merges.js';

import type { CliIo } from './io.js';
import { errorMessage } from '../ops/errors.js';
import type { Env } from '../config/env.js';
export type Io = CliIo;

export interface ReportDeps {
  openStore?: OpenStore;
  /** A store to use as is (not closed afterwards). */
  store?: Store;
  now?: () => Date;
  env?: Env;
}

const USAGE =
  'usage: baton report [--repo owner/repo] [--since 30d] [--format table|md|json|csv] [--defect-window 30d] [--data-dir DIR] [--database-url URL]';

export async function runReport(argv: string[], io: Io, deps: ReportDeps = {}): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: {
        repo: { type: 'string' },
        since: { type: 'string', default: '30d' },
        format: { type: 'string', default: 'table' },
        'defect-window': { type: 'string', default: '30d' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    io.err(`${errorMessage(e)}\n${USAGE}\n`);
    return 2;
  }
  if (flags.help) {
    io.out(USAGE + '\n');
    return 0;
  }
  const format = flags.format as Format;
  if (!FORMATS.includes(format)) {
    io.err(`unknown --format "${flags.format}": use one of ${FORMATS.join(', ')}\n`);
    return 2;
  }
  if (flags.repo !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(flags.repo)) {
    io.err(`--repo "${flags.repo}" is not owner/repo\n`);
    return 2;
  }
  let periodMs: number, windowMs: number;
  try {
    periodMs = parseDuration(flags.since!);
    windowMs = parseDuration(flags['defect-window']!);
  } catch (e) {
    io.err(`${errorMessage(e)}\n`);
    return 2;
  }
  const until = (deps.now?.() ?? new Date()).toISOString();
  const since = new Date(Date.parse(until) - periodMs).toISOString();

  return withStore(deps, flags, io.err, async (store) => {
    const from = loadSince(since, until, Math.max(180, windowMs / 86_400_000));
    const [transitions, ledger] = await Promise.all([
      store.transitions({ repo: flags.repo, since: from, until }),
      store.ledger({ since: new Date(Date.parse(since) - periodMs).toISOString(), repo: flags.repo }),
    ]);
    const repos = flags.repo ? [flags.repo] : [...new Set(transitions.map((t) => t.repo))].sort();
    const merges = await loadMerges(store, repos, new Date(Date.parse(since) - periodMs).toISOString(), until);
    if (flags.repo && transitions.length === 0 && ledger.length === 0 && merges.length === 0) {
      // Zeros for a typo'd repo would look like a quiet month: say so, and name the repos that do have runs.
      const known = [...new Set((await store.transitions({ since: from, until })).map((t) => t.repo))].sort();
      io.err(
        `baton report: no runs recorded for ${flags.repo} since ${from.slice(0, 10)}. ${
          known.length
            ? `Repos with runs: ${known.join(', ')}.`
            : 'The store has no runs at all yet: is BATON_DATA_DIR / DATABASE_URL the one the server uses?'
        }
`,
      );
      return 1;
    }
    const report = computeKpis(transitions, ledger, {
      since,
      until,
      defectWindowDays: windowMs / 86_400_000,
      merges,
    });
    io.out(render(report, format));
    return 0;
  });
}
