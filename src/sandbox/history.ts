// `baton sandbox --history 90d`: plays a generated team history (src/report/history.ts) through the sandbox and the
// real engine, with past timestamps, so reports, the digest and the dashboard have months of data to show.
import { generateHistory, rng, type HistoryAction } from '../report/history.js';
import { DAY_MS, HOUR_MS } from '../report/stats.js';
import type { LocalBaton } from './local-baton.js';

export interface HistoryRun {
  days: number;
  /** Runs to start over the period (default: three a day). */
  runs?: number;
  seed?: number;
  /** Set to each action's time as it is played (the sandbox's and Baton's clock, when they follow one). */
  clock?: (ms: number) => void;
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
  const end = new Date().toISOString();
  const plan = generateHistory({
    repo,
    days: o.days,
    runs: o.runs ?? o.days * 3,
    end,
    seed: o.seed ?? 7,
    startLabel: 'flow:feature',
    team: { pm: people.pm, devs: [people.dev], reviewers: [people.senior], seniors: [people.senior] },
  });
  // The plan numbers issues and PRs its own way; the sandbox hands out real numbers as things are created.
  const issues = new Map<number, number>();
  const prs = new Map<number, number>();
  const issueOf = (n: number) => issues.get(n) ?? n;
  const fixIssues = new Map<number, number>();
  const fixPrs = new Map<number, number>();
  // Work outside any run: the months before adoption (what `baton report --baseline` reads back from GitHub), and
  // a few quick fixes merged without a run since (flow compliance below 100 %).
  const historyStart = Date.parse(end) - o.days * DAY_MS;
  const untracked = untrackedWork(o.seed ?? 7, historyStart, Date.parse(end), Math.max(o.days, 90), plan.runs.length);
  log(`history: ${untracked.before} issues before adoption, ${untracked.since} merged without a run since`);
  const all: Array<{ at: string; run?: HistoryAction; fix?: UntrackedStep }> = [
    ...plan.actions.map((a) => ({ at: a.at, run: a })),
    ...untracked.steps.map((f) => ({ at: f.at, fix: f })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  let done = 0;
  let day = '';
  for (const a of all) {
    // Settle at every new day too, so the tasks an action starts run (and are dated) close to its time.
    if (o.clock && a.at.slice(0, 10) !== day) {
      await lb.settle();
      day = a.at.slice(0, 10);
    }
    o.clock?.(Date.parse(a.at));
    if (a.run) play(a.run);
    else playFix(a.fix!);
    if (++done % BATCH === 0) {
      await lb.settle();
      log(`history: ${done}/${all.length} actions played`);
    }
  }
  await lb.settle();
  const transitions = (await lb.stack.store.transitions({ repo })).length;
  return { runs: plan.runs.length, transitions, actions: all.length };

  function playFix(f: UntrackedStep): void {
    const o = { repo, at: f.at, by: people.dev };
    switch (f.step) {
      case 'open-issue': {
        const issue = sb.createIssue({ title: f.title, body: 'Reported by support.', by: people.pm, at: f.at, repo });
        fixIssues.set(f.id, issue.number);
        return;
      }
      case 'open-pr': {
        const n = fixIssues.get(f.id)!;
        const pr = sb.openPr({
          ...o,
          author: people.dev,
          title: `Fix: ${f.title}`,
          body: `Fixes #${n}`,
          head: `fix-${n}`,
          files: { [`src/fixes/fix-${n}.ts`]: fileText(`fix_${n}`, 8 + (f.id % 5) * 6) },
        });
        fixPrs.set(f.id, pr.number);
        return;
      }
      case 'merge':
        // The PR says "Fixes #N": merging it closes the issue as completed (the sandbox does it, as GitHub does).
        sb.mergePr(fixPrs.get(f.id)!, o);
        return;
    }
  }

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
        // The PR says "Fixes #N": merging it closes the issue as completed, as GitHub does (src/sandbox/world.ts merge).
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

interface UntrackedStep {
  at: string;
  id: number;
  step: 'open-issue' | 'open-pr' | 'merge';
  title: string;
}

const FIX_TOPICS = ['typo on checkout', 'broken link', 'slow cart page', 'date format', 'missing icon', 'flaky test'];

/**
 * Issues fixed by a "Fixes #N" PR with no run: one a day over `beforeDays` before adoption (slower: nobody owned
 * the hand-offs), and one for every ten runs since (quick fixes that skipped the flow). Seeded, so the same every time.
 */
function untrackedWork(
  seed: number,
  start: number,
  end: number,
  beforeDays: number,
  runs: number,
): { steps: UntrackedStep[]; before: number; since: number } {
  const rand = rng(seed * 31 + 1);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const hours = (median: number) => median * Math.exp(0.8 * normal());
  const steps: UntrackedStep[] = [];
  const iso = (t: number) => new Date(Math.round(t / 1000) * 1000).toISOString();
  let id = 0;
  const add = (t0: number, prMedian: number, mergeMedian: number) => {
    const title = FIX_TOPICS[id % FIX_TOPICS.length]!;
    const prAt = t0 + hours(prMedian) * HOUR_MS;
    const mergeAt = prAt + hours(mergeMedian) * HOUR_MS;
    // Work that would only finish after adoption (or after now) stays out: the "before" side is what closed before.
    const limit = t0 < start ? start : end;
    if (mergeAt >= limit) return;
    id++;
    steps.push({ at: iso(t0), id, step: 'open-issue', title }, { at: iso(prAt), id, step: 'open-pr', title });
    steps.push({ at: iso(mergeAt), id, step: 'merge', title });
  };
  for (let d = beforeDays; d >= 1; d--) add(start - d * DAY_MS + rand() * 8 * HOUR_MS, 60, 36);
  const before = id;
  const quick = Math.max(1, Math.round(runs / 10));
  for (let k = 0; k < quick; k++) add(start + rand() * (end - start), 4, 3);
  return { steps, before, since: id - before };
}
