// `baton digest --dry-run [--repo o/r]`: prints the Workflow Wins digest Markdown that the scheduler would post.
import { parseArgs } from 'node:util';
import type { LlmRouter } from '../llm/types.js';
import { loadDigest } from '../report/digest.js';
import { withStore } from '../report/open-store.js';
import { DAY_MS, weekStart } from '../report/stats.js';
import type { Io, ReportDeps } from './report.js';
import { errorMessage } from '../ops/errors.js';

export interface DigestDeps extends ReportDeps {
  /** The app's router; without one the narrative is the offline template. */
  router?: LlmRouter;
}

const USAGE = 'usage: baton digest --dry-run [--repo owner/repo] [--weeks 8] [--data-dir DIR] [--database-url URL]';

export async function runDigest(argv: string[], io: Io, deps: DigestDeps = {}): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: {
        'dry-run': { type: 'boolean' },
        repo: { type: 'string' },
        weeks: { type: 'string', default: '8' },
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
  if (!flags['dry-run']) {
    io.err(
      'baton digest only previews: add --dry-run. The running app posts the digest itself on flow.yml `digest.cron` (default Mondays 09:00 UTC).\n',
    );
    return 2;
  }
  const weeks = Number(flags.weeks);
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 52) {
    io.err(`--weeks "${flags.weeks}" must be a whole number from 1 to 52\n`);
    return 2;
  }
  const now = deps.now?.() ?? new Date();
  return withStore(deps, flags, io.err, async (store) => {
    const repos = flags.repo
      ? [flags.repo]
      : [
          ...new Set(
            (
              await store.transitions({
                since: new Date(weekStart(now).getTime() - weeks * 7 * DAY_MS).toISOString(),
                until: now.toISOString(),
              })
            ).map((t) => t.repo),
          ),
        ].sort();
    if (!repos.length) {
      io.err('no transitions recorded yet: the digest needs at least one run (label an issue to start one).\n');
      return 1;
    }
    for (const repo of repos) {
      const d = await loadDigest(store, { repo, now, weeks, router: deps.router });
      io.out(d.markdown + '\n');
    }
    return 0;
  });
}
