// Posting the week's Workflow Wins digest on the flow's digest issue (created once when none is configured). The
// marker names the ISO week so a replica that lost the race, or a retry, can tell the digest is already there.
import type { Flow } from '../flow/types.js';
import { roleOf } from '../engine/owners.js';
import type { GitHubPort } from '../github/port.js';
import type { LlmRouter } from '../llm/types.js';
import type { Store } from '../store/types.js';
import { loadDigest } from './digest.js';

export interface PostDigestDeps {
  store: Pick<Store, 'transitions' | 'ledger' | 'kvGet' | 'kvSet' | 'kvList'>;
  router(flow: Flow): LlmRouter;
  now?: () => Date;
}

export async function postDigest(d: PostDigestDeps, port: GitHubPort, flow: Flow, week: string): Promise<void> {
  const repo = port.fullName;
  const digest = await loadDigest(d.store, {
    repo,
    now: d.now?.() ?? new Date(),
    router: d.router(flow),
    seniors: roleOf(flow, flow.risk.senior_role).users,
  });
  let issue = flow.digest.issue ?? Number(await d.store.kvGet('digest-issue', repo));
  if (!issue) {
    const created = await port.createIssue(
      'Baton · Workflow Wins',
      'Baton posts a weekly digest of how the workflow is doing here. Set `digest.issue` in `.github/flow.yml` to use another issue.',
    );
    issue = created.number;
    await d.store.kvSet('digest-issue', repo, String(issue));
  }
  await port.createComment(issue, `${digest.markdown}\n\n<!-- baton:digest ${week} -->`);
}
