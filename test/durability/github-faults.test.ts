// GitHub misbehaving the ways it really does: 5xx, secondary rate limits (403/429 with Retry-After), primary rate
// limit exhaustion (x-ratelimit-remaining: 0 with a reset ahead), outages longer than Octokit's retries — and the LLM
// providers all down. Each time the transition must complete, exactly once.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { secondaryRateLimit, type FaultSpec } from '../../src/sandbox/index.js';
import { SANDBOX_BOT } from '../../src/sandbox/local-baton.js';
import { local } from '../support/local.js';
import { auditIssue } from '../support/audit.js';
import { loadConfig } from '../../src/config/env.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local | undefined;
afterEach(async () => {
  await lb?.cleanup();
  lb = undefined;
});

/** The card is the transition's last write: failing it exercises retries after the other writes succeeded. */
const CARD_WRITE = { route: '/repos/{owner}/{repo}/issues/{issue_number}/comments', method: 'POST' };

async function startRunWith(faults: FaultSpec[]): Promise<{ l: Local; issue: number; deliveryId: string }> {
  lb = await local();
  const l = lb;
  const repo = l.seeded.repo;
  const issue = l.sandbox.createIssue({ title: 'Faulty GitHub', by: 'alice', repo }).number;
  await l.settle();
  for (const f of faults) l.sandbox.fail(f);
  l.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
  await l.settle();
  const deliveryId = l.sandbox
    .deliveries()
    .find(
      (x) => x.event === 'issues' && x.action === 'labeled' && (x.payload as any).label?.name === 'flow:feature',
    )!.id;
  return { l, issue, deliveryId };
}

function expectStartedOnce(l: Local, issue: number) {
  const a = auditIssue(l.sandbox, l.seeded.repo, issue, SANDBOX_BOT);
  expect({
    stage: a.run?.stage,
    cards: a.cards,
    labels: a.stageLabels,
    dupes: a.duplicateComments,
    assignees: l.sandbox.issue(issue, l.seeded.repo).assignees,
  }).toEqual({ stage: 'spec', cards: 1, labels: ['baton:spec'], dupes: [], assignees: ['alice'] });
}

describe('GitHub faults inside a job', () => {
  it('500 then 502 on an idempotent write (the label/assignee batch): Octokit retries and the transition completes in the same attempt', async () => {
    // Labels and assignees go in one GraphQL request of add/remove mutations: a POST, but idempotent.
    const LABEL_ADD = { route: '/graphql', method: 'POST' };
    const { l, issue, deliveryId } = await startRunWith([
      { ...LABEL_ADD, status: 500 },
      { ...LABEL_ADD, status: 502 },
    ]);
    expect(l.sandbox.pendingFaults()).toBe(0);
    expectStartedOnce(l, issue);
    expect(await l.stack.store.getDelivery(deliveryId)).toMatchObject({ status: 'done', attempts: 1 });
  }, 40_000);

  it('a card POST GitHub applied but answered 502 is not re-sent by Octokit; the retried job finds the card by its marker', async () => {
    const { l, issue, deliveryId } = await startRunWith([{ ...CARD_WRITE, status: 502, applied: true }]);
    expect(l.sandbox.pendingFaults()).toBe(0);
    expectStartedOnce(l, issue);
    // The job attempt failed on the ambiguous answer (no transport retry) and the queue's retry completed it.
    expect(await l.stack.store.getDelivery(deliveryId)).toMatchObject({ status: 'done', attempts: 2 });
  }, 40_000);

  it('a comment effect GitHub applied but answered 502 is posted once: the retry finds its effect marker', async () => {
    lb = await local({
      flowYml: `version: 1
name: hello
trigger: flow:hello
roles: { pm: alice }
stages:
  - { id: spec, owner: pm, enter: [assign, { comment: "Hello {{owner}}" }], on: [{ event: issue.labeled, label: go, to: done }] }
  - { id: done, final: true }
`,
    });
    const l = lb;
    const repo = l.seeded.repo;
    const issue = l.sandbox.createIssue({ title: 'Ambiguous', by: 'alice', repo }).number;
    await l.settle();
    // The first comment POST is the effect's (the card is written last).
    l.sandbox.fail({ ...CARD_WRITE, status: 502, applied: true });
    l.sandbox.labelIssue(issue, 'flow:hello', { by: 'alice', repo });
    await l.settle();
    expect(l.sandbox.pendingFaults()).toBe(0);
    const a = auditIssue(l.sandbox, repo, issue, SANDBOX_BOT);
    const hellos = l.sandbox.comments(issue, repo).filter((c) => c.body.startsWith('Hello'));
    expect({ hellos: hellos.length, cards: a.cards, dupes: a.duplicateComments, stage: a.run?.stage }).toEqual({
      hellos: 1,
      cards: 1,
      dupes: [],
      stage: 'spec',
    });
  }, 40_000);

  it('403 secondary rate limit and 429 with Retry-After: Baton waits as asked and completes', async () => {
    const { l, issue } = await startRunWith([
      secondaryRateLimit({ ...CARD_WRITE, retryAfterSeconds: 1 }),
      { ...secondaryRateLimit({ ...CARD_WRITE, retryAfterSeconds: 1 }), status: 429 },
    ]);
    expect(l.sandbox.pendingFaults()).toBe(0);
    expectStartedOnce(l, issue);
  }, 40_000);

  it('primary rate limit exhausted (reset 2 s ahead) on a read and a write: waits for the reset and completes', async () => {
    lb = await local();
    const l = lb;
    const repo = l.seeded.repo;
    const issue = l.sandbox.createIssue({ title: 'Rate limited', by: 'alice', repo }).number;
    await l.settle();
    l.sandbox.failRateLimit({ route: '/repos/{owner}/{repo}/issues/{issue_number}', method: 'GET', resetInSeconds: 2 });
    l.sandbox.failRateLimit({ ...CARD_WRITE, resetInSeconds: 2 });
    l.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
    await l.settle();
    expect(l.sandbox.pendingFaults()).toBe(0);
    expectStartedOnce(l, issue);
  }, 40_000);

  it("an outage longer than Octokit's retries fails the job; the queue retries it with backoff and it completes once", async () => {
    // 4 failures: the first try and Octokit's 3 retries all fail, so the job's attempt 1 fails.
    const { l, issue, deliveryId } = await startRunWith([{ ...CARD_WRITE, status: 502, times: 4 }]);
    expect(l.sandbox.pendingFaults()).toBe(0);
    expectStartedOnce(l, issue);
    const d = await l.stack.store.getDelivery(deliveryId);
    expect(d?.status).toBe('done');
    expect(d!.attempts).toBeGreaterThanOrEqual(2);
  }, 50_000);
});

describe('LLM providers all down', () => {
  it('the risk comment falls back to the offline assessment and the run moves on', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    lb = await local({
      config: loadConfig({
        OPENAI_API_KEY: 'sk-test-fake',
        OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
        GEMINI_API_KEY: 'fake-gemini-key',
        GEMINI_BASE_URL: `http://127.0.0.1:${port}`,
        BATON_LLM_TIMEOUT_MS: '3000',
      }),
    });
    const l = lb;
    const repo = l.seeded.repo;
    const issue = l.sandbox.createIssue({ title: 'No LLM', by: 'alice', repo }).number;
    l.sandbox.labelIssue(issue, 'flow:feature', { by: 'alice', repo });
    l.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
    await l.settle();
    const pr = l.sandbox.openPr({
      repo,
      by: 'bob',
      author: 'bob',
      title: 'TTL',
      body: `Fixes #${issue}`,
      head: `${issue}-ttl`,
      files: { 'src/auth/session.ts': 'export const SESSION_TTL = 60;\n' },
    }).number;
    await l.settle();
    const risk = l.sandbox.comments(pr, repo).filter((c) => c.user === SANDBOX_BOT && c.body.includes('baton:risk'));
    expect(risk).toHaveLength(1);
    expect(risk[0]!.body).toMatch(/offline/i);
    // The providers were tried and failed (the ledger says so), then the offline model answered.
    const ledger = await l.stack.store.ledger({});
    expect(ledger.some((e) => e.provider !== 'offline' && !e.ok)).toBe(true);
    expect(ledger.some((e) => e.provider === 'offline' && e.ok)).toBe(true);
    // The run is not held up by the outage.
    expect(auditIssue(l.sandbox, repo, issue, SANDBOX_BOT).run?.stage).toBe('review');
    l.sandbox.submitReview(pr, 'carol', 'APPROVED', 'ok', { repo });
    await l.settle();
    expect(auditIssue(l.sandbox, repo, issue, SANDBOX_BOT).run?.stage).toBe('checks');
  }, 50_000);
});
