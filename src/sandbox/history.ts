// `baton sandbox --history 90d`: plays a generated team history (src/report/history.ts) through the sandbox and the
// real engine, with past timestamps, so reports, the digest and the dashboard have months of data to show.
import { generateHistory, type HistoryAction } from '../report/history.js';
import type { LocalBaton } from './local-baton.js';

export interface HistoryRun {
  days: number;
  /** Runs to start over the period (default: three a day). */
  runs?: number;
  seed?: number;
}

const BATCH = 150;

export async function playHistory(
  lb: LocalBaton,
  o: HistoryRun,
  log: (msg: string) => void = () => undefined,
): Promise<{ runs: number; transitions: number; actions: number }> {
  const sb = lb.sandbox;
  const repo = lb.seeded.repo;
  const people = lb.seeded.people;
  const plan = generateHistory({
    repo,
    days: o.days,
    runs: o.runs ?? o.days * 3,
    end: new Date().toISOString(),
    seed: o.seed ?? 7,
    startLabel: 'flow:feature',
    team: { pm: people.pm, devs: [people.dev], reviewers: [people.senior], seniors: [people.senior] },
  });
  // The plan numbers issues and PRs its own way; the sandbox hands out real numbers as things are created.
  const issues = new Map<number, number>();
  const prs = new Map<number, number>();
  const issueOf = (n: number) => issues.get(n) ?? n;
  let done = 0;
  for (const a of plan.actions) {
    play(a);
    if (++done % BATCH === 0) {
      await lb.settle();
      log(`history: ${done}/${plan.actions.length} actions played`);
    }
  }
  await lb.settle();
  const transitions = (await lb.stack.store.transitions({ repo })).length;
  return { runs: plan.runs.length, transitions, actions: plan.actions.length };

  function play(a: HistoryAction): void {
    const by = a.actor;
    const at = a.at;
    const o = { repo, at, by };
    switch (a.action) {
      case 'open-issue': {
        const refs = a.args.refs.map((r) => `#${prs.get(r) ?? r}`).join(', ');
        const body = refs ? `${a.args.body}\n\nRegression from ${refs}.` : a.args.body;
        const issue = sb.createIssue({ title: a.args.title, body, by, at, repo, labels: a.args.labels });
        issues.set(a.issue, issue.number);
        return;
      }
      case 'label':
        sb.labelIssue(issueOf(a.issue), a.args.label, o);
        return;
      case 'approve-spec':
        sb.labelIssue(issueOf(a.issue), 'spec:ready', o);
        return;
      case 'open-pr': {
        const n = issueOf(a.issue);
        const files: Record<string, string> = {};
        for (const f of a.args.files) files[f] = fileText(f, a.args.highRisk ? 400 : 30);
        const pr = sb.openPr({
          repo,
          at,
          by,
          author: by,
          title: a.args.title,
          body: `Fixes #${n}`,
          head: `${n}-${a.args.branch.replace(/[^a-z0-9-]/gi, '-')}`,
          files,
        });
        prs.set(a.args.pr, pr.number);
        return;
      }
      case 'request-changes':
        sb.submitReview(prs.get(a.args.pr)!, by, 'CHANGES_REQUESTED', 'Please revise.', { repo, at });
        return;
      case 'push':
        sb.pushCommits(prs.get(a.args.pr)!, { [`src/fix-${a.args.pr}-${at.slice(0, 10)}.ts`]: fileText('fix', 12) }, o);
        return;
      case 'approve':
        sb.submitReview(prs.get(a.args.pr)!, by, 'APPROVED', '', { repo, at });
        return;
      case 'checks':
        sb.completeChecks(prs.get(a.args.pr)!, a.args.conclusion, 'ci', { repo, at });
        return;
      case 'merge':
        sb.mergePr(prs.get(a.args.pr)!, o);
        return;
      case 'close':
        sb.closeIssue(issueOf(a.issue), { ...o, reason: a.args.reason });
        return;
    }
  }
}

function fileText(name: string, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`export const ${name.replace(/[^a-z0-9]/gi, '_')}_${i} = ${i};`);
  return out.join('\n') + '\n';
}
