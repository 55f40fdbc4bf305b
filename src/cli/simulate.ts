// `baton simulate <scenario.yml> [--flow path] [--base-dir DIR]`: replay a scenario a lead writes against their own
// flow.yml in the sandbox, on the scenario's clock, and print the dated timeline — so a flow change (SLAs included)
// can be tried before it is merged.
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

const USAGE = 'usage: baton simulate <scenario.yml> [--flow .github/flow.yml] [--base-dir DIR]';

export async function runSimulate(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { flow: { type: 'string' }, 'base-dir': { type: 'string' } },
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
  let flowText: string;
  let scenarioText: string;
  try {
    [flowText, scenarioText] = await Promise.all([readFile(flowPath, 'utf8'), readFile(scenarioPath, 'utf8')]);
  } catch (err) {
    io.err(`baton simulate: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  const baseDir = parsed.values['base-dir'];
  const checked = await loadFlow(flowText, flowPath, baseDir ? { fetchBase: localBaseFetcher(baseDir) } : {});
  if (checked.problems.some((p) => p.severity === 'error') || !checked.flow) {
    for (const p of checked.problems) io.err(formatProblem(p));
    if (checked.unresolvedBase)
      io.err(
        `baton simulate: ${flowPath} extends ${checked.unresolvedBase}, which cannot be fetched offline — pass --base-dir DIR with a copy at DIR/${checked.unresolvedBase.replace(':', '/').replace(/@.*$/, '')}`,
      );
    return 1;
  }
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
  // The sandbox has no org repository to read a remote base from: hand it the flow as resolved here.
  const remote = !!checked.resolvedFile && flowText !== '' && /^\s*extends:\s*['"]?[^'"\s]+\/[^'"\s]+:/m.test(flowText);
  const lb = await startLocalBaton({
    flowYml: remote ? stringify(checked.resolvedFile) : flowText,
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
