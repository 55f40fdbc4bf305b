// `baton simulate <scenario.yml> [--flow path]`: replay a scenario a lead writes against their own flow.yml in the
// sandbox and print the timeline, so a flow change can be tried before it is merged.
import { readFile } from 'node:fs/promises';
import type { CliIo } from './io.js';
import { loadFlow, formatProblem } from '../flow/index.js';
import { startLocalBaton } from '../sandbox/local-baton.js';
import { parseScenario } from '../sandbox/scenario.js';
import { formatTimeline, playScenario } from '../sandbox/play.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const USAGE = 'usage: baton simulate <scenario.yml> [--flow .github/flow.yml]';

export async function runSimulate(argv: string[], io: CliIo): Promise<number> {
  const flowIdx = argv.indexOf('--flow');
  const flowPath = flowIdx >= 0 ? argv[flowIdx + 1] : '.github/flow.yml';
  const rest = argv.filter((_, i) => i !== flowIdx && i !== flowIdx + 1);
  const scenarioPath = rest[0];
  if (!scenarioPath || !flowPath) {
    io.err(USAGE);
    return 2;
  }
  let flowText: string;
  let scenarioText: string;
  try {
    [flowText, scenarioText] = await Promise.all([readFile(flowPath, 'utf8'), readFile(scenarioPath, 'utf8')]);
  } catch (err) {
    io.err(`baton simulate: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const checked = await loadFlow(flowText, flowPath, {});
  const errors = checked.problems.filter((p) => p.severity === 'error');
  if (errors.length) {
    for (const p of checked.problems) io.err(formatProblem(p));
    return 1;
  }
  let scenario;
  try {
    scenario = parseScenario(scenarioText, scenarioPath);
  } catch (err) {
    io.err((err as Error).message);
    return 1;
  }
  // A throwaway store: a simulation never touches the operator's data.
  const dir = await mkdtemp(join(tmpdir(), 'baton-sim-'));
  const lb = await startLocalBaton({ flowYml: flowText, dataDir: dir, databaseUrl: '', redisUrl: '' });
  try {
    const r = await playScenario(lb, scenario);
    io.out(formatTimeline(r, lb.seeded.repo));
    return r.ok ? 0 : 1;
  } finally {
    await lb.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
