// The risk task: assess a linked PR once per distinct diff, keep ONE comment on it up to date, and on high risk
// gate it behind a senior's approval (label, review request, failing "Baton / risk" check). Every write is preceded
// by a read, so running twice (redelivery, retry) changes nothing.
import { requestReviewsEach } from '../../github/refusals.js';
import { createHash } from 'node:crypto';
import type { PullData, PullFile, CommentData, GitHubPort } from '../../github/port.js';
import { isMember, splitTeam } from '../../engine/owners.js';
import { isBot } from '../../github/bots.js';
import { findCheckRun, writeCheckRun, type CheckConclusion } from '../../github/checks.js';
import { countedApprovers, latestReviews } from '../../github/reviews.js';
import type { TaskContext, TaskResult } from '../types.js';
import { computeMetrics } from './metrics.js';
import { scoreChange } from './score.js';
import { checkModel, type RiskModel } from './model.js';
import { scoreWithModel } from './score-model.js';
import { packDiff } from '../pack/pack.js';
import {
  buildRiskPrompt,
  offlineNarrative,
  parseRiskComment,
  renderRiskComment,
  RiskNarrativeSchema,
  type RiskNarrative,
  type ModelLine,
} from './narrative.js';
import { newNonce } from '../safety.js';
import { riskCheck, riskDifficulty, riskFacts } from './check.js';

import { RISK_CHECK as RISK_CHECK_NAME, HIGH_RISK_LABEL } from '../../engine/decide.js';
export { RISK_CHECK_NAME, HIGH_RISK_LABEL };
const DEFAULT_PROMPT_BUDGET = 12_000; // tokens of packed diff sent to the model

/** sha256 over each file's name, status and patch: the same diff gives the same hash whatever the commit shas. */
export function diffHash(
  files: Array<Pick<PullFile, 'filename' | 'status' | 'patch' | 'additions' | 'deletions'>>,
): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.filename.localeCompare(b.filename))) {
    h.update(`${f.filename}\0${f.status}\0${f.additions}\0${f.deletions}\0${f.patch ?? ''}\0`);
  }
  return h.digest('hex').slice(0, 32);
}

/**
 * The team's fitted model (`risk.model`) from the default branch. A missing or broken file falls back to the built-in
 * coefficients rather than failing the PR's risk check; `baton validate` and `baton risk eval` are where it is fixed.
 */
async function loadRiskModel(port: GitHubPort, path: string): Promise<RiskModel | undefined> {
  const file = await port.getFile(path);
  if (!file) return undefined;
  try {
    const m = checkModel(JSON.parse(file.text));
    return typeof m === 'string' ? undefined : m;
  } catch {
    return undefined;
  }
}

function findRiskComment(comments: CommentData[], pr: number): CommentData | undefined {
  // Only Baton's own comments count: a user quoting the marker must not hijack the comment.
  return comments.find((c) => parseRiskComment(c.body)?.pr === pr && isBot(c.user));
}

export interface SeniorInfo {
  role: string;
  users: string[];
  teams: string[];
}

function seniorOf(ctx: TaskContext): SeniorInfo {
  const role = ctx.flow.risk.senior_role;
  const m = ctx.roleMembers(role);
  return { role, users: m.users, teams: m.teams };
}

/**
 * Is `login` a senior (listed directly, or a member of a senior team)? The engine's rule for role guards
 * (engine/owners.ts isMember); teams are only listed when the login is not named outright.
 */
async function isSenior(ctx: TaskContext, s: SeniorInfo, login: string): Promise<boolean> {
  if (isMember(s, login)) return true;
  return s.teams.length > 0 && isMember(s, login, await teamMembersOf(ctx, s.teams));
}

/** Members of each team slug: the worker's cached directory, else one listing per team. */
async function teamMembersOf(ctx: TaskContext, teams: string[]): Promise<Record<string, string[]>> {
  if (ctx.teamMembers) return ctx.teamMembers(teams);
  const out: Record<string, string[]> = {};
  for (const t of teams) {
    const team = splitTeam(t, ctx.org);
    out[t.toLowerCase()] = await ctx.port.listTeamMembers(team.org, team.slug);
  }
  return out;
}

const dismissOpt = (ctx: TaskContext) =>
  ctx.dismissStaleApprovals !== undefined ? { dismissStale: ctx.dismissStaleApprovals } : {};

async function seniorApproved(ctx: TaskContext, s: SeniorInfo): Promise<string | undefined> {
  for (const login of await countedApprovers(ctx.port, ctx.pr, dismissOpt(ctx)))
    if (await isSenior(ctx, s, login)) return login;
  return undefined;
}

/** Make the "Baton / risk" check on `sha` have `conclusion`: create it, or update it only when it differs. */
export function ensureCheck(
  port: GitHubPort,
  sha: string,
  conclusion: CheckConclusion,
  title: string,
  summary: string,
  externalId?: string,
): Promise<number> {
  return writeCheckRun(port, {
    name: RISK_CHECK_NAME,
    sha,
    conclusion,
    title,
    summary,
    ...(externalId !== undefined ? { externalId } : {}),
  });
}

async function gateHighRisk(ctx: TaskContext, pull: PullData, summary: string): Promise<number> {
  const port = ctx.port;
  const s = seniorOf(ctx);
  const issue = await port.getIssue(ctx.pr);
  if (!issue.labels.includes(HIGH_RISK_LABEL)) await port.addLabels(ctx.pr, [HIGH_RISK_LABEL]);

  const [requested, reviews] = await Promise.all([port.listRequestedReviewers(ctx.pr), port.listReviews(ctx.pr)]);
  const reviewed = latestReviews(reviews);
  const author = pull.user.login.toLowerCase();
  const reqUsers = new Set(requested.users.map((u) => u.toLowerCase()));
  const reqTeams = new Set(requested.teams.map((t) => t.toLowerCase()));
  // GitHub refuses a review request to the PR's author; skip people already asked or who already reviewed.
  const users = s.users.filter(
    (u) => u.toLowerCase() !== author && !reqUsers.has(u.toLowerCase()) && !reviewed.has(u.toLowerCase()),
  );
  const teams = s.teams.map((t) => splitTeam(t).slug).filter((slug) => !reqTeams.has(slug.toLowerCase()));
  // A senior GitHub will not take (not a collaborator, a team without access) must not keep the gate from existing.
  await requestReviewsEach(port, ctx.pr, users, teams);

  const approver = await seniorApproved(ctx, s);
  const block = ctx.flow.risk.block_merge;
  if (approver)
    return ensureCheck(port, pull.head.sha, 'success', `High risk, approved by ${approver}`, summary, `pr-${ctx.pr}`);
  if (!block) return ensureCheck(port, pull.head.sha, 'neutral', 'High risk', summary, `pr-${ctx.pr}`);
  return ensureCheck(
    port,
    pull.head.sha,
    'failure',
    'Waiting for a senior approval',
    `${summary}\n\nA member of the \`${s.role}\` role must approve this pull request.`,
    `pr-${ctx.pr}`,
  );
}

/** flow.yml `risk.comment`: how a low-risk PR's comment looks (medium and high always get the full one). */
const commentForm = (ctx: TaskContext) => ctx.flow.risk.comment ?? 'compact';

async function applyLevel(
  ctx: TaskContext,
  pull: PullData,
  level: 'low' | 'medium' | 'high',
  score: number,
): Promise<number> {
  const quiet = level === 'low' && commentForm(ctx) === 'none';
  const summary = `Risk ${level} (score ${score.toFixed(2)}). ${quiet ? 'Low-risk changes get no comment (`risk.comment: none` in flow.yml).' : 'See the Baton risk comment on the pull request for the reasons.'}`;
  if (level === 'high') return gateHighRisk(ctx, pull, summary);
  // A push that lowered the risk lifts the gate.
  const issue = await ctx.port.getIssue(ctx.pr);
  if (issue.labels.includes(HIGH_RISK_LABEL)) await ctx.port.removeLabel(ctx.pr, HIGH_RISK_LABEL);
  return ensureCheck(ctx.port, pull.head.sha, 'success', `Risk ${level}`, summary, `pr-${ctx.pr}`);
}

export interface RiskTaskOptions {
  /** Token budget of the packed diff in the prompt (default 12,000). */
  promptBudget?: number;
  /** History is looked up for at most this many touched files (default 20). */
  historyFiles?: number;
}

export async function runRiskTask(ctx: TaskContext, opts: RiskTaskOptions = {}): Promise<TaskResult> {
  const { port, pr } = ctx;
  const [pull, files, comments] = await Promise.all([port.getPull(pr), port.listPullFiles(pr), port.listComments(pr)]);
  const hash = diffHash(files);
  const existing = findRiskComment(comments, pr);
  const old = existing ? parseRiskComment(existing.body) : undefined;
  const known = ctx.run.prs.find((p) => p.number === pr)?.risk;

  // `risk.comment: none` keeps no comment on a low-risk PR, so the run state says which diff was already assessed.
  const silent = !existing && commentForm(ctx) === 'none' && known?.level === 'low' && known.diffHash === hash;
  if ((existing && old?.hash === hash) || silent) {
    // Same diff: no new model call, no comment edit. The head sha may still be new (rebase, empty commit), so the
    // check and gate are re-asserted — each a no-op when already in place.
    const level = old?.level ?? known?.level;
    const score = old?.score ?? known?.score ?? 0;
    const checkRunId = level ? await applyLevel(ctx, pull, level, score) : undefined;
    return {
      level,
      score,
      commentId: existing?.id,
      commentUrl: existing?.html_url,
      diffHash: hash,
      costUsd: 0,
      offline: ctx.router.offlineOnly,
      checkRunId,
      headSha: pull.head.sha,
    };
  }

  const risk = ctx.flow.risk;
  const [commits, issue] = await Promise.all([
    port.listPullCommits(pr),
    ctx.run.issue !== pr ? port.getIssue(ctx.run.issue).catch(() => undefined) : Promise.resolve(undefined),
  ]);
  const metrics = await computeMetrics(port, pull, {
    files,
    commits,
    intent: {
      labels: (pull.labels ?? []).map((l) => l.name),
      ...(issue ? { issueTitle: issue.title, issueLabels: issue.labels, issueType: issue.type } : {}),
    },
    sensitivePaths: risk.sensitive_paths,
    maxHistoryFiles: opts.historyFiles,
    now: ctx.now(),
  });
  const thresholds = {
    ...(risk.thresholds?.medium !== undefined ? { medium: risk.thresholds.medium } : {}),
    ...(risk.thresholds?.high !== undefined ? { high: risk.thresholds.high } : {}),
  };
  const fitted = risk.model ? await loadRiskModel(port, risk.model) : undefined;
  const score = fitted ? scoreWithModel(fitted, metrics, thresholds) : scoreChange(metrics, thresholds);
  if (score.level === 'low' && commentForm(ctx) === 'none' && !existing) {
    // Nothing will be shown: no model call, no comment; the check says the level.
    return {
      level: score.level,
      score: score.score,
      diffHash: hash,
      costUsd: 0,
      offline: ctx.router.offlineOnly,
      checkRunId: await applyLevel(ctx, pull, score.level, score.score),
      headSha: pull.head.sha,
    };
  }
  const packed = packDiff(files, {
    budget: opts.promptBudget ?? DEFAULT_PROMPT_BUDGET,
    sensitivePaths: risk.sensitive_paths,
  });
  const nonce = newNonce();
  const { system, prompt, cuts } = await buildRiskPrompt({
    title: pull.title,
    body: pull.body,
    commitMessages: commits.map((c) => c.commit.message),
    metrics,
    score,
    packedDiff: packed.text,
    omitted: packed.omitted,
    nonce,
  });
  const offline = () => offlineNarrative(metrics, score);
  // Tier and output tokens come from flow.yml `llm.tasks.risk`; the check and difficulty from what Baton computed.
  const res = await ctx.router.run<RiskNarrative>({
    task: 'risk',
    system,
    prompt,
    schema: RiskNarrativeSchema,
    org: ctx.org,
    repo: ctx.repo,
    issue: ctx.run.issue,
    pr,
    check: riskCheck(
      riskFacts(
        metrics,
        score,
        files.map((f) => f.filename),
      ),
    ),
    difficulty: riskDifficulty(metrics, score),
    offline,
  });
  // The router validates, but its answer is still untrusted: check again and fall back rather than post junk.
  const parsed = RiskNarrativeSchema.safeParse(res.data ?? safeJson(res.text));
  const narrative = parsed.success ? parsed.data : offline();
  const fallbackNote = parsed.success
    ? undefined
    : "the model's answer was not valid, so the offline assessment is shown";
  const model: ModelLine = {
    provider: res.provider,
    model: res.model,
    costUsd: res.costUsd,
    offline: res.offline,
    notes: res.notes,
  };
  const senior = seniorOf(ctx);
  const body = await renderRiskComment({
    pr,
    hash,
    score,
    narrative,
    from: parsed.success && !res.offline ? 'model' : 'offline',
    // A low-risk PR whose old comment must not stay up (risk.comment: none) gets the compact form.
    form: commentForm(ctx) === 'full' ? 'full' : 'compact',
    gate: { role: senior.role, block: risk.block_merge ?? true },
    omitted: packed.omitted,
    model,
    metrics,
    fallbackNote,
    cuts,
    repo: port.fullName,
  });

  let comment: CommentData | undefined;
  if (existing) comment = existing.body === body ? existing : await port.updateComment(existing.id, body);
  if (!comment) comment = await port.createComment(pr, body);

  const checkRunId = await applyLevel(ctx, pull, score.level, score.score);
  return {
    level: score.level,
    score: score.score,
    commentId: comment.id,
    commentUrl: comment.html_url,
    diffHash: hash,
    costUsd: res.costUsd,
    offline: res.offline,
    checkRunId,
    headSha: pull.head.sha,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface ApproveResult {
  approved: boolean;
  reason: string;
  checkRunId?: number;
}

/** A review approval came in: when the approver is a senior, turn the risk check green. */
export async function approveRisk(ctx: TaskContext, approver: string): Promise<ApproveResult> {
  const s = seniorOf(ctx);
  if (!(await isSenior(ctx, s, approver)))
    return { approved: false, reason: `${approver} is not in the ${s.role} role` };
  const pull = await ctx.port.getPull(ctx.pr);
  // Only an approval that counts (write access, on the current head) lifts the gate.
  const counted = await countedApprovers(ctx.port, ctx.pr, { headSha: pull.head.sha, ...dismissOpt(ctx) });
  if (!counted.some((l) => l.toLowerCase() === approver.toLowerCase()))
    return { approved: false, reason: `${approver}'s approval does not count (no write access, or an older head)` };
  const mine = await findCheckRun(ctx.port, pull.head.sha, RISK_CHECK_NAME);
  if (!mine) return { approved: true, reason: 'no risk check on the head commit' };
  if (mine.conclusion === 'success') return { approved: true, reason: 'already green', checkRunId: mine.id };
  await ctx.port.updateCheckRun(mine.id, {
    conclusion: 'success',
    title: `High risk, approved by ${approver}`,
    summary: `Approved by ${approver} (role \`${s.role}\`).`,
  });
  return { approved: true, reason: 'check turned green', checkRunId: mine.id };
}
