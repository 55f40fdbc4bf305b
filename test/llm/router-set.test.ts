// The router bench's labelled set is committed and is exactly what its seeded generator makes: the bench is frozen
// (independent of git history) and reproducible.
import { readFileSync } from 'node:fs';
import { generateRouterSet, ITEMS_FILE, ROUTER_SET_SEED, type SetItem } from '../../bench/router-set/generate.js';
import { judge, outcome } from '../../bench/router-set/world.js';

const committed = JSON.parse(readFileSync(ITEMS_FILE, 'utf8')) as { seed: number; items: SetItem[] };

it('is the seeded generator’s output, item for item', () => {
  expect(committed.seed).toBe(ROUTER_SET_SEED);
  expect(generateRouterSet(ROUTER_SET_SEED)).toEqual(committed.items);
});

it('has at least 300 items across risk, docs and digest, each with checkable truths', () => {
  const items = committed.items;
  expect(items.length).toBeGreaterThanOrEqual(300);
  expect(new Set(items.map((i) => i.task))).toEqual(new Set(['risk', 'docs', 'digest']));
  for (const i of items) {
    expect(i.difficulty).toBeGreaterThanOrEqual(0);
    expect(i.difficulty).toBeLessThanOrEqual(1);
    if (i.task === 'risk') {
      expect(['low', 'medium', 'high']).toContain(i.truth.level);
      for (const p of i.truth.mustName) expect(i.truth.files).toContain(p);
    }
    if (i.task === 'docs') for (const e of i.truth.exports) expect(i.files.some((f) => f.patch.includes(e))).toBe(true);
  }
  // Not a degenerate set: every level occurs, and some truths are beyond what Baton's checks can see.
  const risk = items.filter((i) => i.task === 'risk');
  expect(new Set(risk.map((i) => i.truth.level)).size).toBe(3);
  expect(risk.filter((i) => i.truth.concern).length).toBeGreaterThan(10);
});

it('the world answers a correct answer the judge accepts, and wrong answers it refuses', async () => {
  const { answerText } = await import('../../bench/router-set/world.js');
  const count = (s: string) => Math.ceil(s.length / 4);
  let right = 0;
  let wrong = 0;
  for (const item of committed.items.slice(0, 400)) {
    for (const model of ['openai/gpt-5.4-nano', 'gemini/gemini-3.1-pro-preview']) {
      const text = answerText(model, item, item.task === 'risk' ? item.truth.level : '', 100_000, count);
      const ok = judge(item, { text });
      if (outcome(model, item) === 'correct') {
        expect([item.id, model, ok]).toEqual([item.id, model, true]);
        right += 1;
      } else {
        // A wrong level that equals the truth cannot happen here (Baton's level is passed as the truth).
        expect([item.id, model, ok]).toEqual([item.id, model, false]);
        wrong += 1;
      }
    }
  }
  expect(right).toBeGreaterThan(100);
  expect(wrong).toBeGreaterThan(50);
});
