// `baton simulate <scenario.yml> [--flow path] [--org-flow path] [--base-dir DIR]`: replay a scenario a lead writes
// against their own flow.yml in the sandbox, on the scenario's clock, and print the dated timeline — so a flow change
// (SLAs included) can be tried before it is merged. With `--org-flow` the sandbox's org has that org flow in its
// `.github` repository: the repository's own flow may `extends: org`, or (without a flow.yml) runs the org flow.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { CliIo } from './io.js';
import { formatProblem, loadFlow } from '../flow/index.js';
import { localBaseFetcher } from '../flow/local-base.js';
import { startLocalBaton } from '../sandbox/local-baton.js';
import { parseScenario, ScenarioError } from '../sandbox/scenario.js';
import { formatTimeline, playScenario } from '../sandbox/play.js';
import { errorMessage } from '../ops/errors.js';

const USAGE = 'usage: baton simulate <scenario.yml> [--flow .github/flow.yml] [--org-flow PATH] [--base-dir DIR]';

export async function runSimulate(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { flow: { type: 'string' }, 'org-flow': { type: 'string' }, 'base-dir': { type: 'string' } },
    });
  } catch (err) {
    io.err(`baton simulate: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  const flowPath = parsed.values.flow ?? '.github/flow.yml';
  const [scenarioPath, ...extra] = parsed.positionals;
  if (!scenarioPath || extra.length) {
    io.err(`baton simulate: ${scenarioPath ? `unexpected argument ${extra.join(' ')}` : 'which scenario?'}\n${USAGE}`);
    return 2;
  }
  const orgFlowPath = parsed.values['org-flow'];
  let flowText: string | undefined;
  let orgText: string | undefined;
  let scenarioText: string;
  try {
    scenarioText = await readFile(scenarioPath, 'utf8');
    if (orgFlowPath) orgText = await readFile(orgFlowPath, 'utf8');
    flowText = await readFile(flowPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
      // With an org flow, a repository without its own file is the org flow's default case.
      if (orgText !== undefined && err.code === 'ENOENT' && parsed.values.flow === undefined) return undefined;
      throw err;
    });
  } catch (err) {
    io.err(`baton simulate: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  const baseDir = parsed.values['base-dir'];
  const fetchBase = baseDir ? { fetchBase: localBaseFetcher(baseDir) } : {};
  const failed = (c: Awaited<ReturnType<typeof loadFlow>>, path: string): boolean => {
    if (!c.problems.some((p) => p.severity === 'error') && (c.flow || c.disabled)) return false;
    for (const p of c.problems) io.err(formatProblem(p));
    if (c.unresolvedBase === 'org')
      io.err(`baton simulate: ${path} says extends: org — pass --org-flow PATH with the org flow`);
    else if (c.unresolvedBase)
      io.err(
        `baton simulate: ${path} extends ${c.unresolvedBase}, which cannot be fetched offline — pass --base-dir DIR with a copy at DIR/${c.unresolvedBase.replace(':', '/').replace(/@.*$/, '')}`,
      );
    return true;
  };
  const org = orgText !== undefined ? await loadFlow(orgText, orgFlowPath!, fetchBase) : undefined;
  if (org && failed(org, orgFlowPath!)) return 1;
  const fetchOrgBase =
    orgText !== undefined ? { fetchOrgBase: async () => ({ text: orgText!, path: orgFlowPath! }) } : {};
  const checked = flowText !== undefined ? await loadFlow(flowText, flowPath, { ...fetchBase, ...fetchOrgBase }) : org!;
  if (failed(checked, flowText !== undefined ? flowPath : orgFlowPath!)) return 1;
  let scenario;
  try {
    scenario = parseScenario(scenarioText, scenarioPath);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    io.err(err.message);
    return 1;
  }
  // The sandbox (and Baton's SLA sweep) run on the scenario's clock, which the player moves step by step.
  let now = Date.now();
  const clock = { set: (ms: number) => void (now = ms) };
  // A throwaway store: a simulation never touches the operator's data.
  const dir = await mkdtemp(join(tmpdir(), 'baton-sim-'));
  // The sandbox has no copy of the org's other repositories to read a remote base from: hand it the flow as resolved
  // here. `extends: org` resolves in the sandbox itself, whose acme/.github holds the org flow.
  const remote = (text: string) => /^\s*extends:\s*['"]?[^'"\s]+\/[^'"\s]+:/m.test(text);
  const asGiven = (text: string, c: typeof checked) =>
    c.resolvedFile && remote(text) ? stringify(c.resolvedFile) : text;
  const lb = await startLocalBaton({
    flowYml: flowText === undefined ? null : asGiven(flowText, checked),
    ...(orgText !== undefined && org ? { org: { orgFlowYml: asGiven(orgText, org) } } : {}),
    dataDir: dir,
    databaseUrl: '',
    redisUrl: '',
    clock: () => new Date(now),
  });
  try {
    const r = await playScenario(lb, scenario, {
      clock,
      onStep: (i, n) => io.progress?.(`simulate: step ${i + 1}/${n}…`),
    });
    io.progress?.('');
    io.out(formatTimeline(r, lb.seeded.repo));
    return r.ok ? 0 : 1;
  } finally {
    await lb.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
