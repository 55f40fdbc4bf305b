// A PR that changes `.github/flow.yml` gets a check run with the validation result, annotated at line:column, so a
// broken flow is caught in review rather than on the default branch. On the org's `.github` repository the file is
// the org flow: the check also says which repositories run it, and which of their own flows (those that
// `extends: org`) would no longer resolve on the new version — a child overriding a stage the new base removed.
import { summarizeFlow } from '../flow/index.js';
import type { FlowProblem } from '../flow/types.js';
import { writeCheckRun } from './checks.js';
import { type FlowConfigs, formatProblems, isOrgRepo } from './config.js';
import type { CheckAnnotation, GitHubPort } from './port.js';

export const FLOW_CHECK = 'Baton / flow.yml';

/** A repository of the org, to check against a new org flow. */
export interface OrgChild {
  port: GitHubPort;
  defaultBranch: string;
}

/** At most this many repositories are checked against a changed org flow (each may cost a request). */
export const MAX_ORG_CHILDREN = 500;

export async function checkFlowFile(
  port: GitHubPort,
  flows: FlowConfigs,
  c: { pr: number; headSha: string },
  /** The org's other repositories (read when the PR is on the org's `.github` repository). */
  orgChildren?: () => Promise<OrgChild[]>,
): Promise<void> {
  const path = flows.path;
  const files = await port.listPullFiles(c.pr);
  if (!files.some((f) => f.filename === path)) return;
  const file = await port.getFile(path, c.headSha);
  const org = isOrgRepo(port.fullName);
  let conclusion: 'success' | 'failure' = 'success';
  let title: string;
  let summary: string;
  const annotations: CheckAnnotation[] = [];
  if (!file) {
    title = 'flow.yml removed';
    summary = org
      ? 'This PR deletes the org flow: repositories without their own `.github/flow.yml` will stop starting runs once it merges.'
      : 'This PR deletes `.github/flow.yml`: Baton will stop starting runs in this repository once it merges.';
  } else {
    const parsed = await flows.parse(port, file.text, path, { org });
    // Problems located in a remote base file cannot be annotated on this PR's diff; they are in the summary.
    for (const p of parsed.problems.filter((x) => x.path === path))
      annotations.push({
        path,
        start_line: p.line,
        end_line: p.line,
        ...(p.col ? { start_column: p.col, end_column: p.col } : {}),
        annotation_level: p.severity === 'error' ? 'failure' : 'warning',
        message: p.message,
        title: 'Baton flow.yml',
      });
    const errors = parsed.problems.filter((p) => p.severity === 'error').length;
    if (parsed.disabled) {
      title = 'flow.yml opts this repository out';
      summary = '`enabled: false`: Baton starts no run in this repository once this merges.';
    } else if (errors || !parsed.flow) {
      conclusion = 'failure';
      title = `${errors} problem${errors === 1 ? '' : 's'} in flow.yml`;
      summary = `\`\`\`\n${formatProblems(parsed.problems)}\n\`\`\`\nRun \`npx baton validate\` locally to check before pushing.`;
    } else {
      title = org ? 'org flow is valid' : 'flow.yml is valid';
      summary = summarizeFlow(parsed.flow);
    }
  }
  if (org && orgChildren) {
    const before = await flows.orgFile(port);
    const ids = async (t: { text: string } | undefined) =>
      t ? (await flows.parse(port, t.text, path, { org: true })).flow?.stages.map((s) => s.id) : [];
    const [was, now] = [await ids(before), await ids(file)];
    // An invalid new version removes nothing: its problems are the check's failure already.
    const removed = new Set(now ? (was ?? []).filter((id) => !now.includes(id)) : []);
    const impact = await orgImpact(flows, await orgChildren(), file ?? null, removed);
    summary += `\n\n${impact.text}`;
    if (impact.broken && conclusion === 'success') {
      conclusion = 'failure';
      title = `org flow is valid; ${impact.broken} repositor${impact.broken === 1 ? "y's" : "ies'"} own flow would no longer resolve`;
    }
  }
  await writeCheckRun(port, { name: FLOW_CHECK, sha: c.headSha, conclusion, title, summary, annotations }, 'always');
}

/** Which repositories a new org flow affects, and whose own flow would no longer resolve on it. */
async function orgImpact(
  flows: FlowConfigs,
  children: OrgChild[],
  orgText: { text: string; sha: string } | null,
  removed: ReadonlySet<string>,
): Promise<{ text: string; broken: number }> {
  const groups: Record<'org' | 'extends' | 'own' | 'disabled' | 'none', string[]> = {
    org: [],
    extends: [],
    own: [],
    disabled: [],
    none: [],
  };
  const broken: Array<{ repo: string; problems: FlowProblem[] }> = [];
  const unread: string[] = [];
  for (const child of children.slice(0, MAX_ORG_CHILDREN)) {
    const repo = child.port.fullName;
    try {
      const r = await flows.againstOrg(child.port, child.defaultBranch, orgText, removed);
      groups[r.runs].push(repo);
      if (r.problems.length) broken.push({ repo, problems: r.problems });
    } catch {
      unread.push(repo);
    }
  }
  const list = (xs: string[]) => (xs.length ? xs.map((x) => `\`${x}\``).join(', ') : 'none');
  const lines = [
    '### Repositories this org flow affects',
    '',
    `- Run it as is (no flow.yml of their own): ${list(groups.org)}`,
    `- Extend it (\`extends: org\`): ${list(groups.extends)}`,
    `- Not affected — their own flow: ${list(groups.own)}; opted out (\`enabled: false\`): ${list(groups.disabled)}`,
  ];
  if (groups.none.length) lines.push(`- Would run nothing: ${list(groups.none)}`);
  if (unread.length) lines.push(`- Could not be read: ${list(unread)}`);
  if (children.length > MAX_ORG_CHILDREN) lines.push(`- … and ${children.length - MAX_ORG_CHILDREN} more not checked`);
  if (broken.length) {
    lines.push('', '### Own flows that would no longer resolve', '');
    lines.push('They keep their last good flow until fixed; fix them before or with this change:', '');
    for (const b of broken)
      lines.push(
        `- \`${b.repo}\`:`,
        '```',
        formatProblems(b.problems.map((p) => ({ ...p, path: `${b.repo}:${p.path}` }))),
        '```',
      );
  } else if (groups.extends.length)
    lines.push('', 'Every repository that extends the org flow still resolves on this version.');
  return { text: lines.join('\n'), broken: broken.length };
}
