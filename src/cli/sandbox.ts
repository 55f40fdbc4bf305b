// `baton sandbox [--once] [--history 90d] [--port N]`: Baton against the local GitHub sandbox. Plays the demo and
// prints its timeline; then keeps serving (unless --once) and says how to poke it.
import { readFileSync } from 'node:fs';
import type { CliIo } from './io.js';
import { friendlyError } from './errors.js';
import { DEMO_SCENARIO_PATH, startLocalBaton, type LocalBaton } from '../sandbox/local-baton.js';
import { parseScenario } from '../sandbox/scenario.js';
import { formatTimeline, playScenario, stamp } from '../sandbox/play.js';
import { errorMessage } from '../ops/errors.js';
import { removeSession, writeSession } from '../sandbox/session.js';
import type { Config, Env } from '../config/env.js';
import { commandConfig } from './config.js';

export interface SandboxArgs {
  once: boolean;
  history?: string;
  port?: number;
  runs?: number;
}

export function parseSandboxArgs(argv: string[]): SandboxArgs | string {
  const a: SandboxArgs = { once: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--once') a.once = true;
    else if (x === '--history') a.history = argv[++i];
    else if (x === '--port') {
      const v = argv[++i];
      if (!/^\d+$/.test(v ?? '') || Number(v) > 65535)
        return `baton sandbox: --port takes 0 to 65535 (got "${v ?? ''}")`;
      a.port = Number(v);
    } else if (x === '--runs') a.runs = Number(argv[++i]);
    else
      return `baton sandbox: unknown option ${x}\nusage: baton sandbox [--once] [--history 90d [--runs N]] [--port 3000]`;
  }
  if (a.history && !/^\d+d$/.test(a.history))
    return `baton sandbox: --history takes a number of days like 90d (got "${a.history}")`;
  return a;
}

export async function runSandbox(argv: string[], io: CliIo, env?: Env, loaded?: Config): Promise<number> {
  if (argv[0] === 'act') return (await import('./sandbox-act.js')).runSandboxAct(argv.slice(1), io, env, loaded);
  const args = parseSandboxArgs(argv);
  if (typeof args === 'string') {
    io.err(args);
    return 2;
  }
  const config = loaded ?? commandConfig('sandbox', env);
  if ('error' in config) {
    io.err(config.error);
    return 2;
  }
  // --port, else PORT (as in app mode, default 3000). A one-shot run (--once, --history) serves nobody: any free port.
  const port = args.history || args.once ? 0 : (args.port ?? config.server.port);
  // A history is played on its own clock, each action at its time, so what Baton writes and spends (comments, the
  // LLM ledger) is dated in the history too, and the digest and `costs` count the same calls.
  let historyNow = Date.now();
  let lb: LocalBaton;
  try {
    lb = await startLocalBaton({ port, config, ...(args.history ? { clock: () => new Date(historyNow) } : {}) });
  } catch (err) {
    const friendly = friendlyError(err);
    if (!friendly) throw err;
    io.err(`baton sandbox: ${friendly}`);
    return 1;
  }
  let ok = true;
  try {
    if (args.history) {
      const { playHistory } = await import('../sandbox/history.js');
      const r = await playHistory(
        lb,
        { days: Number(args.history.slice(0, -1)), runs: args.runs, clock: (ms) => void (historyNow = ms) },
        (msg) => io.out(msg),
      );
      historyNow = Date.now();
      io.out(
        `history: ${r.runs} runs over ${args.history} played into the store (${r.transitions} transitions). Try: npx baton report`,
      );
      // The before/after comparison while the sandbox still serves the issues it reads (report --baseline needs GitHub).
      const { runReport } = await import('./report.js');
      const { GitHubPort } = await import('../github/port.js');
      const octokit = await lb.baton.octokitFor(lb.seeded.installationId);
      const [owner, repo] = lb.seeded.repo.split('/') as [string, string];
      const port = new GitHubPort(octokit, { owner, repo });
      io.out('');
      await runReport(['--repo', lb.seeded.repo, '--baseline', '--since', args.history], io, {
        store: lb.stack.store,
        github: async () => ({ search: (q, page) => port.searchIssues(q, page) }),
      });
      await lb.stop();
      return 0;
    }
    io.out(`Baton sandbox: a local GitHub at ${lb.sandbox.url}, Baton at ${lb.baton.url}`);
    io.out(`Watch it in a browser: ${lb.sandbox.viewUrl}/${lb.seeded.repo} (read-only, refreshes as the demo plays)\n`);
    io.out(`Demo: ${lb.seeded.repo} with .github/flow.yml (extends preset:feature)\n`);
    const scenario = parseScenario(readFileSync(DEMO_SCENARIO_PATH, 'utf8'), DEMO_SCENARIO_PATH);
    const result = await playScenario(lb, scenario, (e) => {
      io.out(`${stamp(e.at)}  ${e.step}`);
      for (const r of e.reactions) io.out(`                  → ${r}`);
    });
    io.out('');
    io.out(formatTimeline({ ...result, timeline: [] }, lb.seeded.repo).trim());
    io.out(
      `The issue, its card, the risk and docs comments: ${lb.sandbox.viewUrl}/${lb.seeded.repo}/issues/${result.issue}`,
    );
    ok = result.ok;
    if (args.once) {
      await lb.stop();
      return ok ? 0 : 1;
    }
    const dataDir = config.store.dataDir;
    writeSession(dataDir, {
      url: lb.sandbox.url,
      viewUrl: lb.sandbox.viewUrl,
      batonUrl: lb.baton.url,
      repo: lb.seeded.repo,
      tokens: lb.peopleTokens,
      pid: process.pid,
    });
    io.out(await pokeHelp(lb, result.issue));
    try {
      await waitForSignal(lb);
    } finally {
      removeSession(dataDir);
    }
    return 0;
  } catch (err) {
    io.err(`baton sandbox: ${friendlyError(err) ?? (config.ops.debug ? (err as Error).stack : errorMessage(err))}`);
    await lb.stop().catch(() => undefined);
    return 1;
  }
}

async function pokeHelp(lb: LocalBaton, issue: number): Promise<string> {
  // A partner token for the demo repository, so the API can be tried at once (a real one: `baton tokens create`).
  const { token } = await lb.baton.api.tokens.create({
    name: 'sandbox-partner',
    repo: lb.seeded.repo,
    can: ['create', 'read', 'comment', 'cancel', 'webhooks'],
  });
  const body = JSON.stringify({ repo: lb.seeded.repo, title: 'Export to CSV', fields: { customer: 'ACME' } });
  return [
    '',
    'The sandbox keeps running. Try:',
    `  open ${lb.sandbox.viewUrl}/${lb.seeded.repo}/issues/${issue}   the demo issue as GitHub would show it`,
    `  open ${lb.baton.url}/baton            the dashboard (open on localhost in sandbox mode)`,
    '',
    'Act as one of the demo people (in another terminal, same BATON_DATA_DIR):',
    `  npx baton sandbox act --as bob comment ${issue} "/baton status"`,
    `  npx baton sandbox act --as erin comment ${issue} "/baton advance"     (an outsider: refused)`,
    `  curl -s -X POST ${lb.sandbox.url}/repos/${lb.seeded.repo}/issues/${issue}/comments \\`,
    `    -H 'authorization: Bearer ${lb.peopleTokens[lb.seeded.people.dev]}' -d '{"body":"/baton status"}'`,
    `  curl ${lb.baton.url}/metrics          Prometheus metrics`,
    `  curl ${lb.baton.url}/readyz           readiness`,
    '  npx baton report / npx baton costs / npx baton jobs   (in another terminal, same BATON_DATA_DIR)',
    '',
    'Start a run the way a partner team would (the partner API, with a sandbox token):',
    `  curl -s -X POST ${lb.baton.url}/api/v1/runs -H 'authorization: Bearer ${token}' \\`,
    `    -H 'content-type: application/json' -H 'idempotency-key: demo-1' -d '${body}'`,
    `  curl -s ${lb.baton.url}/api/v1/runs -H 'authorization: Bearer ${token}'`,
    `  (API description: ${lb.baton.url}/api/v1/openapi.json)`,
    'Ctrl-C stops it.',
  ].join('\n');
}

async function waitForSignal(lb: LocalBaton): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await lb.stop();
}
