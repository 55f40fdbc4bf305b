// Plays a scenario through the sandbox and describes, step by step, what Baton did in response: stage changes,
// assignments, review requests, comments and check runs. This is the timeline `baton sandbox` and `simulate` print.
import type { LocalBaton } from './local-baton.js';
import { describeStep, fill, fillFiles, stepTimes, type Scenario, type Step } from './scenario.js';
import { parseCard } from '../github/card.js';
import { HIGH_RISK_LABEL, STAGE_LABEL_PREFIX } from '../engine/decide.js';
import { isoWeek, weekStart } from '../report/stats.js';

export interface TimelineEntry {
  at: string;
  step: string;
  /** What Baton did, one phrase each. */
  reactions: string[];
  stage?: string;
}

export interface PlayResult {
  issue: number;
  pr?: number;
  timeline: TimelineEntry[];
  finalStage?: string;
  status?: string;
  ok: boolean;
}

interface Snapshot {
  labels: string[];
  assignees: string[];
  comments: Map<number, string>;
  prs: Map<number, { requested: string[]; labels: string[]; checks: string[]; comments: Map<number, string> }>;
  botPrs: number[];
  /** What the card says GitHub refused (and Baton skipped). */
  skipped: string[];
  /** Reactions Baton put on comments of the issue and its PRs (a command acknowledged with 👍). */
  reactions: string[];
}

/** The sandbox's clock, when the caller lets the scenario drive it (`baton simulate`). */
export interface ScenarioClock {
  set(ms: number): void;
}

export interface PlayOptions {
  onEntry?: (e: TimelineEntry) => void;
  /** Drive the sandbox clock from the steps' times; SLA sweeps then run on it as time passes. */
  clock?: ScenarioClock;
  /** Called before each step (progress for long scenarios). */
  onStep?: (done: number, total: number) => void;
}

export async function playScenario(
  lb: LocalBaton,
  scenario: Scenario,
  o: PlayOptions | ((e: TimelineEntry) => void) = {},
): Promise<PlayResult> {
  const opts: PlayOptions = typeof o === 'function' ? { onEntry: o } : o;
  const { sandbox, seeded } = lb;
  const repo = seeded.repo;
  const issueSpec = scenario.issue ?? { title: 'A feature', by: seeded.people.pm };
  const times = stepTimes(scenario, Date.now());
  const clock = opts.clock;
  const began = clock ? times.start : Math.floor(Date.now() / 1000) * 1000;
  clock?.set(times.start);
  const created = sandbox.createIssue({
    title: issueSpec.title,
    body: issueSpec.body ?? '',
    by: issueSpec.by ?? seeded.people.pm,
    repo,
    ...(clock ? { at: new Date(times.start).toISOString() } : {}),
  });
  const issue = created.number;
  let pr: number | undefined;
  let now = times.start;
  await lb.settle();
  const timeline: TimelineEntry[] = [];
  const emit = (entry: TimelineEntry) => {
    timeline.push(entry);
    opts.onEntry?.(entry);
  };
  for (const [i, step] of scenario.steps.entries()) {
    opts.onStep?.(i, scenario.steps.length);
    // Without a clock (the live demo) a step happens now, unless it names its time.
    const t = clock || 'wait' in step || step.at ? times.at[i]! : Date.now();
    const at = new Date(t).toISOString();
    if (clock && t > now) {
      // Time passes before the step: what Baton's timers do meanwhile (SLA nudges) shows as its own entry.
      clock.set(t);
      const before = snapshot(lb, issue);
      if (await lb.baton.sweepSla(new Date(t))) await lb.settle();
      // The weekly digest runs on the same clock: a scenario that crosses digest.cron sees it posted.
      const digests = await lb.baton.tickDigests(new Date(t));
      if (digests.posted.length || digests.failed.length) await lb.settle();
      const reactions = [
        ...diff(before, snapshot(lb, issue)),
        ...digests.posted.map(
          (d) =>
            `Baton posted the Workflow Wins digest for ${isoWeek(new Date(weekStart(d.due).getTime() - 7 * 86_400_000))}`,
        ),
        ...digests.failed.map((d) => `the digest for ${d.week} failed: ${d.error}`),
      ];
      if (reactions.length && !('wait' in step))
        emit({ at, step: `time passes (${span(t - now)})`, reactions, stage: stageOf(snapshot(lb, issue).labels) });
      else if ('wait' in step) {
        emit({
          at,
          step: fill(describeStep(step), { issue, pr }),
          reactions,
          stage: stageOf(snapshot(lb, issue).labels),
        });
        now = t;
        continue;
      }
    }
    now = Math.max(now, t);
    if ('wait' in step) continue;
    const before = snapshot(lb, issue);
    pr = act(lb, step, issue, pr, clock || step.at ? at : undefined) ?? pr;
    await lb.settle();
    const after = snapshot(lb, issue);
    emit({
      at,
      step: fill(describeStep(step), { issue, pr }),
      reactions: diff(before, after),
      stage: stageOf(after.labels),
    });
  }
  const card = sandbox.comments(issue, repo).find((c) => c.body.includes('<!-- baton:card -->'));
  const run = card ? parseCard(card.body) : undefined;
  const finalStage = run?.stage;
  // A run counts only if it started during this scenario (not a stale state from an earlier session).
  const fresh =
    !!run &&
    (!!clock || scenario.steps.some((s) => 'at' in s && s.at) || Date.parse(run.history[0]?.at ?? '') >= began);
  const ok = fresh && (scenario.expect ? finalStage === scenario.expect : true);
  return { issue, pr, timeline, finalStage, status: run?.status, ok };
}

function span(ms: number): string {
  const d = Math.floor(ms / 86_400_000);
  const h = Math.floor((ms % 86_400_000) / 3_600_000);
  const m = Math.round((ms % 3_600_000) / 60_000);
  return [d && `${d}d`, h && `${h}h`, m && `${m}m`].filter(Boolean).join(' ') || '0m';
}

/** `2026-03-02 09:00` — the timeline's stamp: multi-day scenarios need the date. */
export function stamp(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function act(
  lb: LocalBaton,
  s: Exclude<Step, { wait: string }>,
  issue: number,
  currentPr: number | undefined,
  at: string | undefined,
): number | undefined {
  const sb = lb.sandbox;
  const repo = lb.seeded.repo;
  const target = s.issue ?? issue;
  const o = { repo, ...(s.by ? { by: s.by } : {}), ...(at ? { at } : {}) };
  const prOf = (x: { pr?: number }) => {
    const n = x.pr ?? currentPr;
    if (n === undefined)
      throw new Error(`step "${describeStep(s)}" needs a pull request: open one first (open_pr) or give pr:`);
    return n;
  };
  const vars = { issue: target, pr: currentPr };
  if ('label' in s) sb.labelIssue(target, s.label, o);
  else if ('unlabel' in s) sb.unlabelIssue(target, s.unlabel, o);
  else if ('comment' in s) sb.comment(target, fill(s.comment, vars), o);
  else if ('close' in s) sb.closeIssue(target, o);
  else if ('reopen' in s) sb.reopenIssue(target, o);
  else if ('open_pr' in s) {
    const p = s.open_pr;
    const opened = sb.openPr({
      ...o,
      title: fill(p.title, vars),
      body: fill(p.body ?? '', vars),
      head: fill(p.head ?? `${target}-change`, vars),
      files: fillFiles(p.files ?? { [`src/change-${target}.ts`]: 'export const changed = true;\n' }, vars),
      draft: p.draft,
      ...(s.by ? { author: s.by } : {}),
    });
    return opened.number;
  } else if ('ready' in s) sb.readyForReview(prOf(s), o);
  else if ('push' in s)
    sb.pushCommits(prOf(s), fillFiles(s.push.files, vars), {
      ...o,
      ...(s.push.message ? { message: s.push.message } : {}),
    });
  else if ('review' in s)
    sb.submitReview(
      prOf(s),
      s.by ?? lb.seeded.people.senior,
      s.review.toUpperCase() as 'APPROVED',
      s.body ?? '',
      at ? { repo, at } : { repo },
    );
  else if ('checks' in s) sb.completeChecks(prOf(s), s.checks, s.name ?? 'ci', at ? { repo, at } : { repo });
  else if ('merge' in s) sb.mergePr(prOf(s), o);
  else if ('close_pr' in s) sb.closePr(prOf(s), o);
  return undefined;
}

function snapshot(lb: LocalBaton, issue: number): Snapshot {
  const sb = lb.sandbox;
  const repo = sb.repo(lb.seeded.repo);
  const i = sb.issue(issue, repo.fullName);
  const bot = lb.baton ? botName(lb) : '';
  const comments = new Map(
    sb
      .comments(issue, repo.fullName)
      .filter((c) => c.user === bot)
      .map((c) => [c.id, c.body]),
  );
  const prs = new Map<number, Snapshot['prs'] extends Map<number, infer V> ? V : never>();
  const botPrs: number[] = [];
  for (const it of repo.issues.values()) {
    if (!it.pull) continue;
    if (it.user === bot) botPrs.push(it.number);
    const checks = [...repo.checkRuns.values()]
      .filter((c) => c.head_sha === it.pull!.headSha)
      .map((c) => `${c.name}:${c.conclusion}`);
    prs.set(it.number, {
      requested: [...it.pull.requestedUsers, ...[...it.pull.requestedTeams].map((t) => `team ${t}`)],
      labels: [...it.labels],
      checks,
      comments: new Map(
        sb
          .comments(it.number, repo.fullName)
          .filter((c) => c.user === bot)
          .map((c) => [c.id, c.body]),
      ),
    });
  }
  const card = [...comments.values()].find((b) => b.includes('<!-- baton:card -->'));
  const skipped = (card ? parseCard(card)?.skipped : undefined)?.map((x) => x.reason) ?? [];
  const reactions: string[] = [];
  for (const n of [issue, ...prs.keys()])
    for (const c of sb.comments(n, repo.fullName))
      for (const x of c.reactions ?? []) if (x.user === bot) reactions.push(`${x.content}:${n}:${c.id}`);
  return { labels: [...i.labels], assignees: [...i.assignees], comments, prs, botPrs, skipped, reactions };
}

function botName(lb: LocalBaton): string {
  return (lb.sandbox.opts.botLogin ?? '').toString();
}

function stageOf(labels: string[]): string | undefined {
  return labels
    .find((l) => l.startsWith(STAGE_LABEL_PREFIX) && l !== HIGH_RISK_LABEL)
    ?.slice(STAGE_LABEL_PREFIX.length);
}

function firstLine(body: string): string {
  const line =
    body
      .split('\n')
      .map((l) =>
        l
          .replace(/<!--.*?-->/g, '')
          // Markdown headings and emphasis go; `#12` references stay (they are what the reader looks for).
          .replace(/^#+\s+/, '')
          .replace(/[*_`>]/g, '')
          .trim(),
      )
      .find((l) => l.length > 0) ?? '';
  return line.length > 70 ? `${line.slice(0, 67)}…` : line;
}

function diff(a: Snapshot, b: Snapshot): string[] {
  const out: string[] = [];
  const sa = stageOf(a.labels);
  const sb = stageOf(b.labels);
  if (sa !== sb && sb) out.push(sa ? `stage ${sa} → ${sb}` : `run started in ${sb}`);
  const added = b.assignees.filter((x) => !a.assignees.includes(x));
  const removed = a.assignees.filter((x) => !b.assignees.includes(x));
  if (added.length) out.push(`assigned ${added.join(', ')}`);
  if (removed.length) out.push(`unassigned ${removed.join(', ')}`);
  for (const [id, body] of b.comments) {
    if (!a.comments.has(id))
      out.push(
        body.includes('<!-- baton:card -->') ? 'status card posted' : `commented on the issue: "${firstLine(body)}"`,
      );
    else if (a.comments.get(id) !== body && !body.includes('<!-- baton:card -->'))
      out.push(`edited its comment: "${firstLine(body)}"`);
  }
  for (const [n, p] of b.prs) {
    const q = a.prs.get(n);
    const req = p.requested.filter((x) => !(q?.requested ?? []).includes(x));
    if (req.length) out.push(`requested review on #${n} from ${req.join(', ')}`);
    const labels = p.labels.filter((x) => !(q?.labels ?? []).includes(x));
    if (labels.length) out.push(`labelled #${n} ${labels.join(', ')}`);
    for (const c of p.checks)
      if (!(q?.checks ?? []).includes(c) && c.startsWith('Baton'))
        out.push(`check "${c.split(':')[0]}" on #${n}: ${c.split(':')[1]}`);
    for (const [id, body] of p.comments) {
      if (!q?.comments.has(id)) out.push(`commented on #${n}: "${firstLine(body)}"`);
      else if (q.comments.get(id) !== body) out.push(`updated its comment on #${n}: "${firstLine(body)}"`);
    }
  }
  for (const n of b.botPrs) if (!a.botPrs.includes(n)) out.push(`opened follow-up PR #${n}`);
  for (const r of b.skipped) if (!a.skipped.includes(r)) out.push(`skipped: ${r}`);
  for (const x of b.reactions.filter((r) => !a.reactions.includes(r))) {
    const [content, n] = x.split(':');
    out.push(`reacted ${content === '+1' ? '👍' : content} to the command on #${n}`);
  }
  return out;
}

export function formatTimeline(r: PlayResult, repo: string): string {
  const lines: string[] = [];
  for (const e of r.timeline) {
    lines.push(`${stamp(e.at)}  ${e.step}`);
    for (const x of e.reactions) lines.push(`                  → ${x}`);
    if (!e.reactions.length) lines.push('                  → (nothing to do)');
  }
  lines.push(
    '',
    `${repo}#${r.issue}: ${r.ok ? 'reached' : 'ended in'} stage "${r.finalStage ?? 'none'}" (${r.status ?? 'no run'})`,
  );
  return lines.join('\n');
}
