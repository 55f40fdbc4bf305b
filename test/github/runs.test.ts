// The card write is conditional on the state version it read: a job holding a stale copy (a second runner after a
// Redis loss, a replica that took over a lease) cannot overwrite a newer state and erase its transition.
import { SANDBOX_BOT } from '../../src/sandbox/local-baton.js';
import { GitHubPort } from '../../src/github/port.js';
import { RunStates, StaleRunError } from '../../src/github/runs.js';
import { renderCard } from '../../src/github/card.js';
import { local } from '../support/local.js';
import { auditIssue } from '../support/audit.js';
import { BURST_FLOW } from '../support/burst.js';

type Local = Awaited<ReturnType<typeof local>>;
let lb: Local | undefined;
afterEach(async () => {
  await lb?.cleanup();
  lb = undefined;
});

describe('conditional card write', () => {
  it('a writer holding an older state version is refused; the newer transition stays on the card', async () => {
    lb = await local({ flowYml: BURST_FLOW });
    const l = lb;
    const repo = l.seeded.repo;
    const issue = l.sandbox.createIssue({ title: 'Two writers', by: 'alice', repo }).number;
    l.sandbox.labelIssue(issue, 'flow:burst', { by: 'alice', repo });
    await l.settle();
    const [owner, name] = repo.split('/') as [string, string];
    const octokit = await (l.baton.probot.auth as (id: number) => Promise<unknown>)(l.seeded.installationId);
    const port = new GitHubPort(octokit as never, { owner, repo: name });
    const runs = new RunStates(l.stack.store, () => SANDBOX_BOT);
    // A stale job read the card at spec …
    const stale = await runs.read(port, issue);
    expect(stale.run?.stage).toBe('spec');
    // … then the real one moved the run to build.
    l.sandbox.labelIssue(issue, 'spec:ready', { by: 'alice', repo });
    await l.settle();
    const flow = (await l.baton.worker.flows.get(port, 'main')).flow!;
    await expect(runs.write(port, stale.run!, (r) => renderCard(r, flow), stale)).rejects.toBeInstanceOf(StaleRunError);
    const a = auditIssue(l.sandbox, repo, issue, SANDBOX_BOT);
    expect({ stage: a.run?.stage, history: a.run?.history.map((h) => h.to), cards: a.cards }).toEqual({
      stage: 'build',
      history: ['spec', 'build'],
      cards: 1,
    });
    // Every write moved the version on: two transitions, two writes.
    expect(a.run?.version).toBe(2);
    // A writer that read the current version may write.
    const fresh = await runs.read(port, issue);
    await expect(runs.write(port, fresh.run!, (r) => renderCard(r, flow), fresh)).resolves.toBe(fresh.cardId);
  }, 30_000);
});
