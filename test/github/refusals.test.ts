// Refusals remembers who GitHub refused for a while, bounded: later writes leave them out instead of being refused
// again, until the memory expires or makes room for newer refusals.
import { Refusals } from '../../src/github/refusals.js';

test('a refusal is remembered per repository and kind, case-insensitively, until it expires', () => {
  let t = 1_000;
  const r = new Refusals(60_000, () => t);
  r.remember('Acme/Web', 'assign', 'Erin');
  expect(r.refused('acme/web', 'assign', 'erin')).toBe(true);
  expect(r.refused('acme/web', 'review', 'erin')).toBe(false);
  expect(r.refused('acme/api', 'assign', 'erin')).toBe(false);
  t += 59_000;
  expect(r.refused('acme/web', 'assign', 'erin')).toBe(true);
  t += 2_000;
  expect(r.refused('acme/web', 'assign', 'erin')).toBe(false);
});

test('memory is bounded: past the limit the oldest refusal is forgotten first', () => {
  const r = new Refusals(60_000, () => 0, 2);
  r.remember('o/r', 'review', 'a');
  r.remember('o/r', 'review', 'b');
  r.remember('o/r', 'review', 'c');
  expect(['a', 'b', 'c'].map((u) => r.refused('o/r', 'review', u))).toEqual([false, true, true]);
});
