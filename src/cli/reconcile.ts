// `baton reconcile [--repo o/r] [--dry-run] [--json]`: the reconcile sweep by hand (the server runs it every 10 min):
// every open run of the known repositories is read against GitHub's facts and the transitions it missed are queued
// for the server to apply (or, with --dry-run, only listed).
import { parseArgs } from 'node:util';
import type { OctokitLike } from '../github/port.js';
import { FlowConfigs } from '../github/config.js';
import { RunStates } from '../github/runs.js';
import { Reconciler, type ReconcileReport } from '../app/reconcile.js';
import type { CliIo } from './io.js';
import { openAppContext } from './app-context.js';
import type { Env } from '../config/env.js';
import { errorMessage } from '../ops/errors.js';

export async function runReconcile(argv: string[], io: CliIo, env?: Env): Promise<number> {
  let args: { repo?: string; 'dry-run'?: boolean; json?: boolean };
  try {
    args = parseArgs({
      args: argv,
      options: { repo: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (err) {
    io.err(`baton reconcile: ${errorMessage(err)}. Usage: baton reconcile [--repo owner/repo] [--dry-run] [--json]`);
    return 2;
  }
  if (args.repo !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(args.repo)) {
    io.err(`baton reconcile: --repo must be owner/repo, got "${args.repo}"`);
    return 2;
  }
  const ctx = await openAppContext('reconcile', env);
  if ('error' in ctx) {
    io.err(ctx.error);
    return 2;
  }
  try {
    const app = (await (await ctx.probot.auth()).request('GET /app')).data as { slug: string };
    const botLogin = ctx.config.github.botLogin ?? `${app.slug}[bot]`;
    const store = ctx.stack.store;
    const reconciler = new Reconciler({
      store,
      queue: ctx.stack.queue,
      flows: new FlowConfigs(store),
      runs: new RunStates(store, () => botLogin),
      octokitFor: async (id) => (await ctx.probot.auth(id)) as unknown as OctokitLike,
      botLogin: () => botLogin,
      log: ctx.log,
    });
    io.progress?.('reconcile: reading the open runs against GitHub…');
    const report = await reconciler.sweep({
      all: true,
      dryRun: !!args['dry-run'],
      ...(args.repo ? { repo: args.repo } : {}),
    });
    io.progress?.('');
    if (!report.ran) {
      io.err('baton reconcile: a Baton replica is sweeping right now; try again in a few minutes.');
      return 1;
    }
    if (!report.repos)
      io.err(
        `baton reconcile: no known repository${args.repo ? ` named ${args.repo}` : ''} in the store (Baton learns repositories as their events arrive).`,
      );
    io.out(args.json ? JSON.stringify(report, null, 2) : formatSweep(report, !!args['dry-run']));
    return 0;
  } catch (err) {
    io.err(
      `baton reconcile: GitHub answered ${(err as { status?: number }).status ?? 'with an error'}: ${errorMessage(err)}`,
    );
    return 1;
  } finally {
    await ctx.close();
  }
}

export function formatSweep(r: ReconcileReport, dryRun: boolean): string {
  const lines = [
    `${r.runsChecked} runs checked in ${r.repos} repositories (${r.skippedPending} with jobs still pending skipped); ` +
      `${r.requests} GitHub requests, ${r.notModified} of them answered 304 (free)${r.budgetExhausted ? '; request budget reached, the rest waits for the next sweep' : ''}.`,
  ];
  for (const f of r.found)
    lines.push(`  ${f.repo}#${f.issue} (${f.from ?? 'no run'}): ${f.events.join(' → ')}${dryRun ? '' : ' queued'}`);
  if (!r.found.length) lines.push('No missed transitions.');
  return lines.join('\n');
}
