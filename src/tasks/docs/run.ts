// Docs on merge: one summary comment on the issue (written by the router's standard tier, or offline from the PR),
// and, when the flow asks for it, a follow-up PR on `baton/docs-pr-N` that prepends the entry to the changelog.
// Never writes to the default branch; every step looks before it writes, so a retry reuses what exists.
import { z } from 'zod';
import type { PullData, PullFile } from '../../github/port.js';
import { isBot } from '../../github/bots.js';
import type { ActionConfig } from '../../flow/types.js';
import type { TaskContext, TaskResult } from '../types.js';
import type { LlmRequest } from '../../llm/types.js';
import { redactSecrets } from '../redact/redact.js';
import { inlineText, stripHtml } from '../sanitize.js';
import { clipTokens, SECTION_BUDGETS } from '../budget.js';
import { changedExports, docsCheck, docsDifficulty, removedExports } from './check.js';
import { docsFacts, factsForPrompt, howToUse, whatChanged } from './facts.js';
import { dataFrameRule, frameUntrusted, newNonce, sanitizeInline, sanitizeModelText, capLength } from '../safety.js';
import { DOCS_DEFAULTS } from '../../flow/schema.js';

export const DocsSchema = z.object({
  changelog_entry: z
    .string()
    .min(1)
    .max(500)
    .describe('One line for the changelog, imperative mood, no trailing period.'),
  summary: z.string().min(1).max(1500),
  what_changed: z.array(z.string().min(1).max(300)).max(10),
  why: z.string().max(1000),
  how_to_use: z.string().max(2000),
});
export type DocsAnswer = z.infer<typeof DocsSchema>;

export const docsMarker = (pr: number) => `<!-- baton:docs pr=${pr} -->`;
export const docsBranch = (pr: number) => `baton/docs-pr-${pr}`;

export interface DocsOptions {
  changelog: string;
  pr: boolean;
}

/** The docs action of the stage the run is in (else of any stage), with schema defaults. */
export function docsOptions(ctx: TaskContext): DocsOptions {
  const pick = (enter: ActionConfig[]) =>
    enter.find(
      (a): a is { docs: { changelog: string; pr: boolean } } => typeof a === 'object' && a !== null && 'docs' in a,
    );
  const stage = ctx.flow.stages.find((s) => s.id === ctx.run.stage);
  const found = (stage && pick(stage.enter)) ?? ctx.flow.stages.map((s) => pick(s.enter)).find(Boolean);
  return { ...(found?.docs ?? DOCS_DEFAULTS) };
}

function firstSentence(text: string | null): string {
  // Closing-keyword lines ("Fixes #12") say which issue, not what or why.
  // Only the start matters (400 characters are kept), so a hostile body costs nothing; every pattern is bounded.
  const t = stripHtml((text ?? '').slice(0, 8000))
    .replace(/\r/g, '')
    .replace(
      /^[ \t]{0,16}(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)(?=[\s:])[\s:]{1,16}[^\s#]{0,200}#\d{1,9}\.?[ \t]{0,16}$/gim,
      '',
    )
    .trim();
  const para = t.split(/\n\s*\n/)[0] ?? '';
  return para.replace(/\s+/g, ' ').slice(0, 400);
}

/** A "Usage" / "How to use" / "Example" section of the PR body, when its author wrote one. */
export function usageSection(body: string | null): string | undefined {
  const lines = (body ?? '').slice(0, 20_000).replace(/\r/g, '').split('\n');
  const start = lines.findIndex((l) =>
    /^\s{0,3}(#{1,6}\s{1,4}|\*\*)(usage|how to use( it)?|how to try( it)?|examples?)\b/i.test(l),
  );
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^\s{0,3}#{1,6}\s/.test(l));
  const text = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
  return text ? text.slice(0, 1500) : undefined;
}

/** Without a model: the PR's own words, the issue it closes (the why) and what the diff changes in the code. */
export function offlineDocs(
  pull: PullData,
  files: PullFile[],
  issue?: { number?: number; title: string; body: string | null },
): DocsAnswer {
  const title = pull.title.replace(/^\s*(feat|fix|chore|docs|refactor|perf)(\([^)]*\))?!?:\s*/i, '');
  const facts = docsFacts(files);
  const ref = issue?.number !== undefined ? `#${issue.number} ` : '';
  return {
    changelog_entry: `${title.charAt(0).toUpperCase()}${title.slice(1)} (#${pull.number})`,
    summary: firstSentence(pull.body) || title,
    what_changed: whatChanged(facts),
    why: issue
      ? `From ${ref}"${issue.title}": ${firstSentence(issue.body)}`.trim().replace(/:$/, '.')
      : firstSentence(pull.body),
    how_to_use: usageSection(pull.body) ?? howToUse(facts),
  };
}

async function renderDocsComment(pr: number, title: string, d: DocsAnswer, modelLine: string): Promise<string> {
  const out = [
    docsMarker(pr),
    `### 📝 Docs for #${pr}: ${await sanitizeInline(title, 200)}`,
    '',
    await sanitizeModelText(d.summary, 3000),
  ];
  if (d.what_changed.length) {
    out.push('', '**What changed**');
    for (const w of d.what_changed) out.push(`- ${await sanitizeInline(w)}`);
  }
  if (d.why.trim()) out.push('', '**Why**', '', await sanitizeModelText(d.why, 2000));
  if (d.how_to_use.trim()) out.push('', '**How to use it**', '', await sanitizeModelText(d.how_to_use, 4000));
  out.push(
    '',
    '**Changelog entry**',
    '',
    `> ${await sanitizeInline(d.changelog_entry)}`,
    '',
    `<sub>${modelLine}</sub>`,
  );
  return capLength(out.join('\n'));
}

/** Insert the entry under the first heading (or at the top), unless the file already has it. */
export function prependEntry(changelog: string, entry: string, pr: number): string {
  if (changelog.includes(`(#${pr})`) || changelog.includes(docsMarker(pr))) return changelog;
  const line = `- ${entry.includes(`#${pr}`) ? entry : `${entry} (#${pr})`}`;
  const lines = changelog.split('\n');
  const h = lines.findIndex((l) => /^#\s/.test(l));
  if (h < 0) return `${line}\n${changelog}`;
  lines.splice(h + 1, 0, '', line);
  return lines.join('\n').replace(/\n{3,}/g, '\n\n');
}

/** The docs request as the router sees it (prompt, schema, check, difficulty); tier and tokens come from flow.yml. */
export async function docsRequest(
  pull: Pick<PullData, 'title' | 'body'> & { number?: number },
  files: PullFile[],
  why: { title: string; body: string | null } | undefined,
  nonce: string,
  issue?: number,
): Promise<
  Pick<LlmRequest<DocsAnswer>, 'task' | 'system' | 'prompt' | 'schema' | 'check' | 'difficulty'> & { cuts: string[] }
> {
  const exports = changedExports(files);
  const removed = removedExports(files);
  const facts = factsForPrompt(docsFacts(files));
  const b = SECTION_BUDGETS;
  const sections = {
    title: clipTokens('PR title', pull.title, b.title),
    body: clipTokens('PR description', pull.body ?? '', b.body),
    issue: clipTokens('issue text', why ? `${why.title}\n${why.body ?? ''}` : '', b.issue),
    files: clipTokens(
      'file list',
      files
        .slice(0, 200)
        .map((f) => `- ${f.filename} (+${f.additions}/-${f.deletions})`)
        .join('\n'),
      b.files,
    ),
  };
  const cuts = Object.values(sections)
    .map((x) => x.cut)
    .filter((c): c is string => Boolean(c));
  const material = [
    `Title: ${sections.title.text}`,
    `Description:\n${sections.body.text}`,
    ...(why ? [`Issue${issue !== undefined ? ` #${issue}` : ''}: ${sections.issue.text}`] : []),
    `Files:\n${sections.files.text}`,
    ...(exports.length ? [`Changed exports (cover each): ${exports.join(', ')}`] : []),
    ...(removed.length ? [`Removed exports (a breaking change: name each): ${removed.join(', ')}`] : []),
    ...(facts ? [`What the diff changes in the code (cover it in what_changed and how_to_use):\n${facts}`] : []),
  ].join('\n\n');
  const { text: redacted } = await redactSecrets(material);
  return {
    task: 'docs',
    system: [
      'You are Baton, writing release documentation for a merged pull request for the people who will use it.',
      'Answer ONLY with JSON: changelog_entry (one line), summary, what_changed[] (in terms of the code: exports, endpoints, settings, migrations), why (from the issue), how_to_use (what a user or developer does to use it). No HTML, no @-mentions.',
      dataFrameRule(nonce),
    ].join('\n'),
    prompt: frameUntrusted('merged pull request', redacted, nonce),
    schema: DocsSchema,
    check: docsCheck(
      exports,
      files.map((f) => f.filename),
      removed,
    ),
    difficulty: docsDifficulty(files, exports),
    cuts,
  };
}

export async function runDocsTask(ctx: TaskContext): Promise<TaskResult & { followUpPr?: number }> {
  const { port, pr } = ctx;
  const issue = ctx.run.issue;
  const opts = docsOptions(ctx);
  const [pull, comments] = await Promise.all([port.getPull(pr), port.listComments(issue)]);
  if (!pull.merged) return { headSha: pull.head.sha };
  const existing = comments.find((c) => c.body.includes(docsMarker(pr)) && isBot(c.user));
  const branch = docsBranch(pr);
  const openFollowUp = opts.pr
    ? (await port.listPulls({ state: 'all', head: `${port.ref.owner}:${branch}` })).find((p) => p.head.ref === branch)
    : undefined;
  if (existing && (!opts.pr || openFollowUp)) {
    return {
      commentId: existing.id,
      commentUrl: existing.html_url,
      costUsd: 0,
      offline: ctx.router.offlineOnly,
      followUpPr: openFollowUp?.number,
    };
  }

  const [files, why] = await Promise.all([port.listPullFiles(pr), port.getIssue(issue).catch(() => undefined)]);
  const { cuts, ...request } = await docsRequest(pull, files, why, newNonce(), issue);
  // Tier and output tokens come from flow.yml `llm.tasks.docs`.
  const res = await ctx.router.run<DocsAnswer>({
    ...request,
    org: ctx.org,
    repo: ctx.repo,
    issue,
    pr,
    offline: () => offlineDocs(pull, files, why),
  });
  const parsed = DocsSchema.safeParse(res.data);
  const docs = parsed.success ? parsed.data : offlineDocs(pull, files, why);
  // A model that left "how to use" empty gets the PR's own usage section or the one the facts give.
  if (!docs.how_to_use.trim()) docs.how_to_use = usageSection(pull.body) ?? howToUse(docsFacts(files));
  const modelLine = res.offline
    ? '🔌 Offline mode: written from the pull request, its issue and its diff; no model used.'
    : `Model: \`${res.provider}/${res.model}\` · cost $${res.costUsd.toFixed(4)}` +
      (cuts.length
        ? ` · not all of the pull request fitted the prompt: ${cuts.map((c) => inlineText(c)).join('; ')}`
        : '');

  let comment = existing;
  if (!comment) comment = await port.createComment(issue, await renderDocsComment(pr, pull.title, docs, modelLine));

  let followUpPr: number | undefined = openFollowUp?.number;
  if (opts.pr && !openFollowUp)
    followUpPr = await openDocsPr(ctx, pull, opts.changelog, await sanitizeInline(docs.changelog_entry));
  return {
    commentId: comment.id,
    commentUrl: comment.html_url,
    costUsd: res.costUsd,
    offline: res.offline,
    followUpPr,
  };
}

async function openDocsPr(ctx: TaskContext, pull: PullData, path: string, entry: string): Promise<number> {
  const { port, pr } = ctx;
  const branch = docsBranch(pr);
  const repo = await port.getRepo();
  const base = repo.default_branch;
  if (branch === base) throw new Error(`refusing to write docs to the default branch ${base}`);
  if (!(await port.getRefSha(`heads/${branch}`))) {
    const baseSha = await port.getRefSha(`heads/${base}`);
    if (!baseSha)
      throw new Error(`default branch ${base} not found in ${port.fullName}; cannot branch the docs PR from it`);
    await port.createRef(`refs/heads/${branch}`, baseSha);
  }
  const current = await port.getFile(path, branch);
  const text = prependEntry(current?.text ?? '# Changelog\n', entry, pr);
  if (text !== current?.text)
    await port.putFile({ path, message: `docs: changelog for #${pr}`, text, branch, sha: current?.sha });
  const created = await port.createPull({
    title: `docs: changelog for #${pr}`,
    head: branch,
    base,
    body: `Adds the changelog entry for #${pr} (${inlineText(pull.title, { max: 300 })}).\n\n${docsMarker(pr)}`,
  });
  return created.number;
}
