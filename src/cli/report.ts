// `baton report [--repo o/r] [--since 30d] [--format table|md|json|csv] [--baseline]`: KPIs for the last period vs the
// one before; `--baseline` adds the before/after-adoption comparison read from GitHub (src/report/baseline.ts).
import { parseArgs } from 'node:util';
import type { Store } from '../store/types.js';
import { computeKpis, loadSince } from '../report/kpis.js';
import { FORMATS, render, type Format } from '../report/format.js';
import { parseDuration } from '../report/stats.js';
import { withStore, type OpenStore } from '../report/open-store.js';
import { loadMerges } from '../report/merges.js';
import { readBaseline, renderBaseline, type Baseline, type SearchFn } from '../report/baseline.js';
import { GitHubPort, repoInstallationId, type OctokitLike } from '../github/port.js';
import { openAppContext } from './app-context.js';

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
  /**
   * GitHub's issue search for one repository (for `--baseline`), or a sentence saying why GitHub cannot be read.
   * Default: as the App, with the credentials `baton start` uses.
   */
  github?: (repo: string) => Promise<{ search: SearchFn; close?: () => Promise<void> } | string>;
}

const USAGE = `usage: baton report [--repo owner/repo | --org owner] [--since 30d] [--format table|md|json|csv] [--defect-window 30d]
                    [--baseline [--months 3] [--budget 20]] [--data-dir DIR] [--database-url URL]

  --baseline   also compare the cycle time of issues closed by merged PRs in the --months before Baton's first run
               in each repo with the months since, read from GitHub's issue search (at most --budget requests;
               needs APP_ID and PRIVATE_KEY as for baton start)

  --org        every repository of that org in one report (a row per repository), and the installed ones
               with no run in the period named as idle

examples:
  baton report --since 7d
  baton report --org acme --format md
  baton report --repo acme/web --format md
  baton report --repo acme/web --baseline --months 6 --budget 40`;

export async function runReport(argv: string[], io: Io, deps: ReportDeps = {}): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: {
        repo: { type: 'string' },
        org: { type: 'string' },
        since: { type: 'string', default: '30d' },
        format: { type: 'string', default: 'table' },
        'defect-window': { type: 'string', default: '30d' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        baseline: { type: 'boolean' },
        months: { type: 'string', default: '3' },
        budget: { type: 'string', default: '20' },
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
  if (flags.org !== undefined && (flags.repo !== undefined || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(flags.org))) {
    io.err(
      flags.repo !== undefined
        ? '--org and --repo cannot be combined: --org covers every repository of the org\n'
        : `--org "${flags.org}" is not an org or user name\n`,
    );
    return 2;
  }
  const inOrg = (repo: string) =>
    flags.org === undefined || repo.split('/')[0]?.toLowerCase() === flags.org.toLowerCase();
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
  const months = Number(flags.months);
  const budget = Number(flags.budget);
  if (!Number.isInteger(months) || months < 1 || months > 24) {
    io.err(`--months "${flags.months}" must be a whole number of months from 1 to 24\n`);
    return 2;
  }
  if (!Number.isInteger(budget) || budget < 1 || budget > 1000) {
    io.err(`--budget "${flags.budget}" must be a whole number of requests from 1 to 1000\n`);
    return 2;
  }
  const until = (deps.now?.() ?? new Date()).toISOString();
  const since = new Date(Date.parse(until) - periodMs).toISOString();

  return withStore(deps, flags, io.err, async (store) => {
    const from = loadSince(since, until, Math.max(180, windowMs / 86_400_000));
    const [allTransitions, allLedger] = await Promise.all([
      store.transitions({ repo: flags.repo, since: from, until }),
      store.ledger({ since: new Date(Date.parse(since) - periodMs).toISOString(), repo: flags.repo }),
    ]);
    const transitions = allTransitions.filter((t) => inOrg(t.repo));
    const ledger = allLedger.filter((e) => inOrg(e.repo));
    // With --org: every repository Baton knows of the org (app/inventory.ts), those without a run included.
    const installed =
      flags.org !== undefined ? (await store.kvList('repo')).map((r) => r.key).filter((r) => inOrg(r)) : [];
    const repos = flags.repo ? [flags.repo] : [...new Set([...transitions.map((t) => t.repo), ...installed])].sort();
    if (flags.org !== undefined && repos.length === 0) {
      io.err(
        `baton report: Baton knows no repository of ${flags.org}: is the App installed there, and is BATON_DATA_DIR / DATABASE_URL the one the server uses?\n`,
      );
      return 1;
    }
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
    const idle = installed.filter((r) => !report.byRepo[r]).sort();
    if (!flags.baseline) {
      if (format === 'json' && flags.org !== undefined)
        io.out(JSON.stringify({ ...report, org: flags.org, idle }, null, 2) + '\n');
      else
        io.out(
          render(report, format) +
            (idle.length && format !== 'csv' && format !== 'json'
              ? `\nIdle (installed, no run in the period): ${idle.join(', ')}\n`
              : ''),
        );
      return 0;
    }
    const baselines: Record<string, Baseline | { error: string }> = {};
    for (const repo of repos) {
      const first = (await store.transitions({ repo })).reduce<string | undefined>(
        (m, t) => (m === undefined || t.at < m ? t.at : m),
        undefined,
      );
      if (!first) {
        baselines[repo] = { error: 'Baton has no run in this repository yet: there is no adoption date to compare at' };
        continue;
      }
      io.progress?.(`report: reading ${repo}'s issues from GitHub…`);
      const gh = await (deps.github ?? appSearch(deps.env))(repo);
      if (typeof gh === 'string') {
        io.progress?.('');
        io.err(`baton report --baseline: ${gh}\n`);
        return 2;
      }
      try {
        baselines[repo] = await readBaseline(gh.search, { adoptedAt: first, now: until, months, budget });
      } finally {
        await gh.close?.();
      }
      io.progress?.('');
    }
    if (format === 'json') {
      io.out(JSON.stringify({ ...report, baseline: baselines }, null, 2) + '\n');
      return 0;
    }
    const parts = [render(report, format === 'csv' ? 'table' : format)];
    for (const [repo, b] of Object.entries(baselines))
      parts.push(
        'error' in b
          ? `Before/after adoption — ${repo}: ${b.error}.\n`
          : renderBaseline(repo, b, format === 'md' ? 'md' : 'table'),
      );
    io.out(parts.join('\n'));
    return 0;
  });
}

/** GitHub's issue search as the App installed on `repo` (what `--baseline` reads by default). */
function appSearch(env?: Env) {
  return async (repo: string): Promise<{ search: SearchFn; close: () => Promise<void> } | string> => {
    const ctx = await openAppContext('report', env);
    if ('error' in ctx) return ctx.error.replace(/^baton report: /, '');
    const [owner, name] = repo.split('/') as [string, string];
    const ref = { owner, repo: name };
    try {
      const id = await repoInstallationId((await ctx.probot.auth()) as unknown as OctokitLike, ref);
      if (id === undefined) {
        await ctx.close();
        return `the App is not installed on ${repo}, so its issues cannot be read`;
      }
      const port = new GitHubPort((await ctx.probot.auth(id)) as unknown as OctokitLike, ref);
      return { search: (q, page) => port.searchIssues(q, page), close: () => ctx.close() };
    } catch (e) {
      await ctx.close();
      return `could not reach GitHub as the App: ${errorMessage(e)}`;
    }
  };
}
