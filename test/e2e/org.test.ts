// End to end, on the org sandbox (src/sandbox/seed.ts seedOrg): acme/.github holds the org flow, acme/api extends
// it, acme/legacy opts out, acme/docs has no flow.yml and no activity. Real Probot and Octokit over HTTP.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStack } from '../../src/app/stack.js';
import { RepoRegistry } from '../../src/app/timers.js';
import { parseCard } from '../../src/github/card.js';
import { ORG_FLOW_YML } from '../../src/sandbox/seed.js';
import { local } from '../support/local.js';
import { FLOW_CHECK } from '../../src/github/flow-check.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local;
afterEach(async () => {
  await lb?.cleanup();
});

const BOT = 'baton-sandbox[bot]';

function cardOf(l: Local, repo: string, issue: number) {
  const cards = l.sandbox.comments(issue, repo).filter((c) => c.body.includes('<!-- baton:card -->'));
  return { run: cards.at(-1) ? parseCard(cards.at(-1)!.body) : undefined, count: cards.length };
}

async function labelled(l: Local, repo: string, label = 'flow:task'): Promise<number> {
  const issue = l.sandbox.createIssue({ title: 'Tidy the docs', body: 'please', by: 'bob', repo }).number;
  l.sandbox.labelIssue(issue, label, { by: 'alice', repo });
  await l.settle();
  return issue;
}

describe('the org flow', () => {
  it('a label in a repository with no flow.yml starts a run from the org flow, with its roles', async () => {
    lb = await local({ org: true });
    const repo = lb.org!.idle;
    const issue = await labelled(lb, repo);
    const { run, count } = cardOf(lb, repo, issue);
    expect(count).toBe(1);
    expect(run!.stage).toBe('triage');
    expect(lb.sandbox.issue(issue, repo).labels).toContain('baton:triage');
    expect(lb.sandbox.issue(issue, repo).assignees).toEqual(['alice']);
    lb.sandbox.labelIssue(issue, 'triage:done', { by: 'alice', repo });
    await lb.settle();
    expect(cardOf(lb, repo, issue).run!.stage).toBe('build');
    expect(lb.sandbox.issue(issue, repo).assignees).toContain('bob');
  });

  it('in steady state the org-flow lookup costs no GitHub request per event', async () => {
    lb = await local({ org: true });
    const repo = lb.org!.idle;
    await labelled(lb, repo);
    lb.sandbox.resetCounts();
    const issue = lb.sandbox.createIssue({ title: 'Another', by: 'bob', repo }).number;
    lb.sandbox.labelIssue(issue, 'flow:task', { by: 'alice', repo });
    lb.sandbox.comment(issue, '/baton status', { by: 'alice', repo });
    await lb.settle();
    expect(cardOf(lb, repo, issue).run!.stage).toBe('triage');
    // Neither acme/docs' missing flow.yml nor acme/.github's org flow was asked for again.
    expect(lb.sandbox.requests().byRoute['GET /repos/{owner}/{repo}/contents/{path}'] ?? 0).toBe(0);
  });

  it('a push to the .github repository changes the flow of every repository that runs it', async () => {
    lb = await local({ org: true });
    const repo = lb.org!.idle;
    await labelled(lb, repo);
    lb.sandbox.pushFiles(
      lb.org!.orgRepo,
      'main',
      { '.github/flow.yml': ORG_FLOW_YML.replace('trigger: flow:task', 'trigger: flow:chore') },
      { by: 'carol', message: 'Org flow: chores' },
    );
    await lb.settle();
    expect(cardOf(lb, repo, await labelled(lb, repo, 'flow:task')).count).toBe(0);
    expect(cardOf(lb, repo, await labelled(lb, repo, 'flow:chore')).run!.stage).toBe('triage');
  });

  it("a repository's own flow extends the org flow and overrides it by stage id and role", async () => {
    lb = await local({ org: true });
    const repo = lb.org!.ownFlow;
    const issue = await labelled(lb, repo);
    expect(cardOf(lb, repo, issue).run!.stage).toBe('triage');
    // Its own lead (the org's is alice), and its own transition out of triage.
    expect(lb.sandbox.issue(issue, repo).assignees).toEqual(['dave']);
    lb.sandbox.comment(issue, '/baton ready', { by: 'alice', repo });
    await lb.settle();
    expect(cardOf(lb, repo, issue).run!.stage).toBe('build');
    // The org flow's /baton ready does nothing in acme/docs, which runs the org flow as is.
    const other = await labelled(lb, lb.org!.idle);
    lb.sandbox.comment(other, '/baton ready', { by: 'alice', repo: lb.org!.idle });
    await lb.settle();
    expect(cardOf(lb, lb.org!.idle, other).run!.stage).toBe('triage');
  });

  it('enabled: false opts a repository out: no run, no comment, no label', async () => {
    lb = await local({ org: true });
    const repo = lb.org!.optedOut;
    const issue = await labelled(lb, repo);
    expect(lb.sandbox.comments(issue, repo).filter((c) => c.user === BOT)).toEqual([]);
    expect(lb.sandbox.issue(issue, repo).labels).toEqual(['flow:task']);
    expect(lb.sandbox.issue(issue, repo).assignees).toEqual([]);
  });
});

describe('changing the org flow', () => {
  it('a PR on the .github repository gets the flow.yml check naming the repositories it affects and the flows it breaks', async () => {
    lb = await local({ org: true });
    const repo = lb.org!.orgRepo;
    // Triage becomes "inbox": acme/api's override of triage no longer overrides anything.
    const renamed = ORG_FLOW_YML.replace('  - id: triage\n    name: Triage', '  - id: inbox\n    name: Inbox');
    const opened = lb.sandbox.openPr({
      repo,
      by: 'carol',
      author: 'carol',
      title: 'Org flow: inbox',
      head: 'inbox',
      files: { '.github/flow.yml': renamed },
    });
    await lb.settle();
    const checks = () => [...lb.sandbox.repo(repo).checkRuns.values()].filter((c) => c.name === FLOW_CHECK);
    expect(checks()).toHaveLength(1);
    const check = checks()[0]!;
    expect(check.conclusion).toBe('failure');
    expect(check.output.title).toMatch(/1 repository's own flow would no longer resolve/);
    const summary = check.output.summary;
    expect(summary).toMatch(/Run it as is[^\n]*`acme\/docs`/);
    expect(summary).toMatch(/Extend it[^\n]*`acme\/api`/);
    expect(summary).toMatch(/own flow: `acme\/web`/);
    expect(summary).toMatch(/opted out[^\n]*`acme\/legacy`/);
    expect(summary).toMatch(/acme\/api:\.github\/flow\.yml:6:\d+: error: stages\[0\]: overrides stage "triage"/);

    // A version that keeps triage: valid, and every child still resolves.
    lb.sandbox.pushCommits(
      opened.number,
      { '.github/flow.yml': ORG_FLOW_YML.replace('sla: 2d', 'sla: 3d') },
      { by: 'carol', repo },
    );
    await lb.settle();
    const latest = checks().find((c) => c.head_sha === lb.sandbox.issue(opened.number, repo).pull!.headSha)!;
    expect(latest.conclusion).toBe('success');
    expect(latest.output.summary).toMatch(/Every repository that extends the org flow still resolves/);
  });

  it('a broken org flow fails the check with annotations on the file', async () => {
    lb = await local({ org: true });
    const repo = lb.org!.orgRepo;
    lb.sandbox.openPr({
      repo,
      by: 'carol',
      author: 'carol',
      title: 'Org flow: typo',
      head: 'typo',
      files: { '.github/flow.yml': ORG_FLOW_YML.replace('owner: lead', 'owner: leed') },
    });
    await lb.settle();
    const check = [...lb.sandbox.repo(repo).checkRuns.values()].find((c) => c.name === FLOW_CHECK)!;
    expect(check.conclusion).toBe('failure');
    expect(check.output.annotations_count).toBe(1);
    expect(check.output.summary).toMatch(/\.github\/flow\.yml:12:\d+: error: .*leed/);
  });
});

describe('every installed repository is known', () => {
  it('at start from the installation list: an idle repository is nudged by the SLA sweep after a deploy on an empty store', async () => {
    lb = await local({ org: true });
    const repo = lb.org!.idle;
    const issue = await labelled(lb, repo);
    expect(cardOf(lb, repo, issue).run!.stage).toBe('triage');
    // A deploy on an empty store: nothing about acme/docs is remembered, and nobody touches it again.
    await lb.stopBaton();
    await lb.restartBaton(
      await openStack({ dataDir: mkdtempSync(join(tmpdir(), 'baton-empty-')), databaseUrl: '', redisUrl: '' }),
    );
    const known = (await lb.stack.store.kvList('repo')).map((r) => r.key).sort();
    expect(known).toEqual(['acme/.github', 'acme/api', 'acme/docs', 'acme/legacy', 'acme/web']);
    // The start's reconcile pass reads the run's card; the SLA sweep (triage: 2d) then nudges its owner, once.
    await lb.baton.reconcile();
    const nudges = () => lb.sandbox.comments(issue, repo).filter((c) => c.user === BOT && /past its SLA/.test(c.body));
    expect(await lb.baton.sweepSla(new Date(Date.now() + 86_400_000))).toBe(0);
    expect(await lb.baton.sweepSla(new Date(Date.now() + 3 * 86_400_000))).toBe(1);
    await lb.settle();
    expect(nudges()).toHaveLength(1);
    expect(nudges()[0]!.body).toMatch(/@alice/);
    expect(await lb.baton.sweepSla(new Date(Date.now() + 4 * 86_400_000))).toBe(0);
  });

  it('repositories added to the installation are known at once, removed ones are dropped', async () => {
    lb = await local({ org: true });
    lb.sandbox.addRepo('acme/mobile', { defaultBranch: 'main', files: { 'README.md': '# mobile\n' }, by: 'carol' });
    lb.sandbox.addToInstallation(['acme/mobile']);
    await lb.settle();
    const known = async () => (await lb.stack.store.kvList('repo')).map((r) => r.key);
    expect(await known()).toContain('acme/mobile');
    lb.sandbox.uninstallFrom(['acme/mobile', 'acme/docs']);
    await lb.settle();
    expect(await known()).not.toContain('acme/mobile');
    expect(await known()).not.toContain('acme/docs');
    expect(await known()).toContain('acme/api');
  });
});

describe('the org digest', () => {
  it('digest.org: one weekly digest on the .github repository, a row per repository, idle ones included', async () => {
    lb = await local({ org: true });
    const docs = await labelled(lb, lb.org!.idle);
    lb.sandbox.labelIssue(docs, 'triage:done', { by: 'alice', repo: lb.org!.idle });
    await labelled(lb, lb.org!.ownFlow);
    await lb.settle();
    // Only the .github repository posts (the org flow's digest.org); no repository gets one of its own.
    const targets = await new RepoRegistry(lb.stack.store).digestTargets();
    expect(targets.filter((t) => t.enabled).map((t) => t.repo)).toEqual(['acme/.github']);

    const tracking = () =>
      [...lb.sandbox.repo('acme/.github').issues.values()].filter((i) =>
        i.title.startsWith('Baton · Workflow Wins — acme'),
      );
    const posted = () => lb.sandbox.comments(tracking()[0]!.number, 'acme/.github').filter((c) => c.user === BOT);
    // The scheduler posted the week that was due when Baton started (the store claims the week: once).
    expect(tracking()).toHaveLength(1);
    expect(posted()).toHaveLength(1);
    expect(posted()[0]!.body).toMatch(/<!-- baton:digest acme \d{4}-W\d\d -->/);

    // Next week's, with this week's runs: same issue, one more comment.
    await lb.baton.worker.postDigest('acme/.github', 'next', new Date(Date.now() + 7 * 86_400_000));
    expect(tracking()).toHaveLength(1);
    expect(posted()).toHaveLength(2);
    const body = posted()[1]!.body;
    expect(body).toMatch(/Workflow Wins — acme/);
    expect(body).toMatch(/\| acme\/docs \| \d+ \| \d+ \| [^|]+ \| \d+ \| 1 \|/);
    expect(body).toMatch(/\| acme\/api \| \d+ \| \d+ \| [^|]+ \| \d+ \| 1 \|/);
    expect(body).toMatch(/\| acme\/web \| 0 \| 0 \| [^|]+ \| 0 \| 0 \(idle\) \|/);
    expect(body).not.toMatch(/acme\/legacy/);
    expect(body).not.toMatch(/@alice/);
  });
});

describe('one view across the org', () => {
  it('the dashboard lists every installed repository and an "all repositories of acme" view', async () => {
    lb = await local({ org: true });
    await labelled(lb, lb.org!.idle);
    await labelled(lb, lb.org!.ownFlow);
    const get = async (path: string) => {
      const res = await fetch(`${lb.baton.url}/baton/api/${path}`);
      expect(res.status).toBe(200);
      return (await res.json()) as any;
    };
    const meta = await get('meta?since=30d');
    // acme/legacy and acme/.github never had a run: known from the installation, listed all the same.
    expect(meta.repos).toEqual(['acme/.github', 'acme/api', 'acme/docs', 'acme/legacy', 'acme/web']);
    expect(meta.orgs).toEqual(['acme']);
    const cards = (b: any) => b.columns.flatMap((c: any) => c.runs.map((r: any) => r.repo)).sort();
    expect(cards(await get('board?since=30d&repo=acme%2F*'))).toEqual(['acme/api', 'acme/docs']);
    expect(cards(await get('board?since=30d&repo=acme%2Fdocs'))).toEqual(['acme/docs']);
    expect(cards(await get('board?since=30d&repo=globex%2F*'))).toEqual([]);
    expect((await get('kpis?since=30d&repo=acme%2F*')).report.overall.current.runsStarted).toBe(2);
    expect((await get('kpis?since=30d&repo=acme%2Fapi')).report.overall.current.runsStarted).toBe(1);
    expect((await fetch(`${lb.baton.url}/baton/api/board?repo=acme%2F*x`)).status).toBe(400);
  });
});
