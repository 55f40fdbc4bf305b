// A second demo on the same data directory tells the whole story again: the sandbox's world is new, but the store
// (its effect journal) is not, so the sandbox continues GitHub's numbering and ids instead of reusing them.
import { readFileSync } from 'node:fs';
import { rmSync } from 'node:fs';
import { DEMO_SCENARIO_PATH } from '../../src/sandbox/local-baton.js';
import { parseScenario } from '../../src/sandbox/scenario.js';
import { playScenario, type PlayResult } from '../../src/sandbox/play.js';
import { local } from '../support/local.js';

const story = (r: PlayResult) =>
  r.timeline.map((e) => [e.step, ...e.reactions].join(' | ').replace(/#\d+/g, '#N')).join('\n');

it('two demos on one data directory play the same timeline', async () => {
  const scenario = parseScenario(readFileSync(DEMO_SCENARIO_PATH, 'utf8'), DEMO_SCENARIO_PATH);
  const first = await local();
  const a = await playScenario(first, scenario);
  await first.stop();
  const second = await local({ dataDir: first.dataDir });
  try {
    const b = await playScenario(second, scenario);
    expect(b.ok).toBe(true);
    expect(b.issue).toBeGreaterThan(a.pr ?? a.issue);
    expect(story(b)).toEqual(story(a));
    expect(story(b)).toMatch(/assigned bob/);
    expect(story(b)).toMatch(/Docs for #N/);
  } finally {
    await second.stop();
    rmSync(first.dataDir, { recursive: true, force: true });
  }
}, 240_000);
