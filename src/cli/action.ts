// `baton action --event-name NAME --event-path FILE`: one event through the action entry, as a runner would run it.
// With GITHUB_TOKEN and GITHUB_REPOSITORY set it acts on GitHub (GITHUB_API_URL for Enterprise Server); without, on a
// sandbox seeded with the demo repository acme/web, where the issue the payload names is created first — so a
// payload can be tried, and its job summary and card seen, with no credentials.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseCard } from '../github/card.js';
import type { CliIo } from './io.js';
import { errorMessage } from '../ops/errors.js';

const USAGE = 'usage: baton action --event-name NAME --event-path FILE';

export async function runActionCli(argv: string[], io: CliIo): Promise<number> {
  let values: { 'event-name'?: string; 'event-path'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'event-name': { type: 'string' }, 'event-path': { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    io.err(`baton action: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  const name = values['event-name'];
  const path = values['event-path'];
  if (!name || !path) {
    io.err(`baton action: --event-name and --event-path are required\n${USAGE}`);
    return 2;
  }
  let payload: Record<string, any>;
  try {
    payload = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    io.err(`baton action: cannot read the event payload ${path}: ${errorMessage(err)}`);
    return 2;
  }
  if (process.env.GITHUB_TOKEN && process.env.GITHUB_REPOSITORY) {
    const { main } = await import('../action/main.js');
    return main({ ...process.env, GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: path });
  }
  const { startActionsDemo } = await import('../sandbox/actions-demo.js');
  const demo = await startActionsDemo();
  try {
    const repo = demo.seeded.repo;
    const [owner, repoName] = repo.split('/');
    payload.repository = { ...(payload.repository ?? {}), full_name: repo, name: repoName, owner: { login: owner } };
    const n: number | undefined = payload.issue?.number ?? payload.pull_request?.number;
    let issue: number | undefined;
    if (payload.issue && !payload.issue.pull_request && typeof n === 'number') {
      // The sandbox starts empty: create issues up to the one the payload names, with its labels.
      for (let i = 1; i <= Math.min(n, 50); i++) {
        const last = i === Math.min(n, 50);
        issue = demo.sandbox.createIssue({
          title: last ? String(payload.issue.title ?? 'An issue') : `Issue ${i}`,
          body: last ? String(payload.issue.body ?? '') : '',
          by: last ? String(payload.issue.user?.login ?? 'alice') : 'alice',
          repo,
        }).number;
      }
      // The issue as GitHub has it after the event: its labels, the event's own included.
      const labels = new Set([...((payload.issue.labels ?? []) as Array<{ name: string }>).map((l) => l.name)]);
      if (payload.action === 'labeled' && payload.label?.name) labels.add(payload.label.name);
      for (const l of labels) demo.sandbox.labelIssue(issue!, l, { by: 'alice', repo });
      payload.issue.number = issue;
    }
    await demo.sandbox.settled();
    const job = await demo.runner.run(name, payload);
    io.out(job.summary || job.stdout);
    if (job.exitCode !== 0) io.err(job.stdout);
    const card = issue
      ? demo.sandbox.comments(issue, repo).find((c) => c.body.includes('<!-- baton:card -->'))
      : undefined;
    if (card) {
      const run = parseCard(card.body);
      io.out(`card on ${repo}#${issue}: stage ${run?.stage} (${run?.status})`);
    }
    io.out(`(sandbox ${repo}: ${job.exitCode === 0 ? 'the job succeeded' : 'the job failed'}; nothing left running)`);
    return job.exitCode;
  } finally {
    await demo.stop();
  }
}
