// `npm run bench -- org-flow`: what the flow lookup costs per event in steady state, counted by the sandbox, on the
// org sandbox: a repository without flow.yml (runs the org flow), one whose own flow `extends: org`, and one with a
// flow of its own. The figure is GitHub requests for files (GET .../contents/{path}) per event after a first event
// warmed the caches; a lookup that asked GitHub on every event (even with 304s) would score 1–2 here, not 0. Also:
// what a push to the org's .github repository costs the next event (it must read the new org flow once). 304s are
// reported apart: free against the rate limit, but requests all the same.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalBaton } from '../src/sandbox/local-baton.js';
import { ORG_FLOW_YML } from '../src/sandbox/seed.js';

const CONTENTS = 'GET /repos/{owner}/{repo}/contents/{path}';
const EVENTS = 20;

export default async function bench(o: { log: (...a: unknown[]) => void }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-bench-org-'));
  const lb = await startLocalBaton({
    org: true,
    dataDir,
    databaseUrl: '',
    redisUrl: '',
    logLevel: 'silent',
    recoveryIntervalMs: -1,
    reconcileIntervalMs: -1,
  });
  try {
    const sb = lb.sandbox;
    const org = lb.org!;
    /** Label events on one issue with no run: each looks its flow up first, none moves anything. */
    const events = async (repo: string, n: number) => {
      const issue = sb.createIssue({ title: 'Bench', by: 'bob', repo }).number;
      sb.resetCounts();
      // Added and removed in turn: GitHub sends no `labeled` for a label the issue already has.
      for (let i = 0; i < n; i++)
        if (i % 2) sb.unlabelIssue(issue, 'bench', { by: 'alice', repo });
        else sb.labelIssue(issue, 'bench', { by: 'alice', repo });
      await lb.settle();
      const r = sb.requests();
      // The sandbox counts a 304 apart (GitHub does not charge it to the rate limit), but it is still a request made.
      return {
        contents: (r.byRoute[CONTENTS] ?? 0) / n,
        notModified: r.notModified / n,
        requests: (r.total + r.notModified) / n,
      };
    };
    // Warm-up: the first event of each repository reads what it needs.
    for (const repo of [org.idle, org.ownFlow, lb.seeded.repo]) await events(repo, 1);
    const idle = await events(org.idle, EVENTS);
    const extending = await events(org.ownFlow, EVENTS);
    const own = await events(lb.seeded.repo, EVENTS);
    sb.pushFiles(
      org.orgRepo,
      'main',
      { '.github/flow.yml': ORG_FLOW_YML.replace('sla: 2d', 'sla: 3d') },
      { by: 'carol' },
    );
    await lb.settle();
    const afterPush = await events(org.idle, 1);
    const figures = {
      events_per_repo: EVENTS,
      org_flow_repo_contents_requests_per_event: idle.contents,
      extends_org_repo_contents_requests_per_event: extending.contents,
      own_flow_repo_contents_requests_per_event: own.contents,
      own_flow_repo_not_modified_per_event: own.notModified,
      extends_org_repo_not_modified_per_event: extending.notModified,
      org_flow_repo_requests_per_event: idle.requests,
      first_event_after_org_push_contents_requests: afterPush.contents,
    };
    o.log(
      `flow lookup, GitHub file requests per event in steady state (${EVENTS} events each):\n` +
        `  no flow.yml (org flow)      ${idle.contents.toFixed(2)} + ${idle.notModified.toFixed(2)} 304s  (all requests ${idle.requests.toFixed(2)})\n` +
        `  extends: org                ${extending.contents.toFixed(2)} + ${extending.notModified.toFixed(2)} 304s  (its own file, conditional; the org flow: none)\n` +
        `  own flow                    ${own.contents.toFixed(2)} + ${own.notModified.toFixed(2)} 304s\n` +
        `  first event after a push to acme/.github: ${afterPush.contents} (the org flow read again, once)`,
    );
    return figures;
  } finally {
    await lb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
