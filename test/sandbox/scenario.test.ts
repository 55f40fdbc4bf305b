// Scenario files: the clock their steps keep, and the schema editors use (generated from the zod schema).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseScenario, SCENARIO_SCHEMA_FILE, scenarioJsonSchemaText, stepTimes } from '../../src/sandbox/scenario.js';
import { DEMO_SCENARIO_PATH } from '../../src/sandbox/local-baton.js';

describe('scenario clock', () => {
  it('absolute, relative and implicit step times advance from start', () => {
    const s = parseScenario(
      `start: 2026-03-02T09:00:00Z
steps:
  - { label: x }
  - { comment: hi, at: +1d2h }
  - { wait: 30m }
  - { comment: later, at: 2026-03-10T00:00:00Z }
  - { comment: earlier, at: 2026-03-01T00:00:00Z }
`,
      's.yml',
    );
    const { start, at } = stepTimes(s, 0);
    expect(new Date(start).toISOString()).toBe('2026-03-02T09:00:00.000Z');
    expect(at.map((t) => new Date(t).toISOString())).toEqual([
      '2026-03-02T09:01:00.000Z',
      '2026-03-03T11:01:00.000Z',
      '2026-03-03T11:31:00.000Z',
      '2026-03-10T00:00:00.000Z',
      // Time never runs backwards: an earlier absolute time stays at the clock's present.
      '2026-03-10T00:00:00.000Z',
    ]);
  });

  it('the demo scenario parses, and a non-map step or missing steps is located', () => {
    expect(parseScenario(readFileSync(DEMO_SCENARIO_PATH, 'utf8'), 'demo.yml').steps.length).toBeGreaterThan(5);
    expect(() => parseScenario('issue: { title: x }\n', 'a.yml')).toThrow(/a\.yml:1:1: error: .*steps/);
    expect(() => parseScenario('steps:\n  - hello\n', 'b.yml')).toThrow(
      /b\.yml:2:5: error: steps\[0\]: a step is a map/,
    );
    expect(() => parseScenario('steps: [{ label: x }]\nstrat: 2026-01-01\n', 'c.yml')).toThrow(
      /c\.yml:2:1: error: strat: unknown key "strat"/,
    );
  });

  it('schema/scenario.schema.json matches the zod schema (run `npm run schema` after changing it)', () => {
    const file = fileURLToPath(new URL(`../../${SCENARIO_SCHEMA_FILE}`, import.meta.url));
    expect(readFileSync(file, 'utf8')).toBe(scenarioJsonSchemaText());
  });
});
