import { clipTokens } from '../../src/tasks/budget.js';
import { countText } from '../../src/llm/tokens.js';

test('a section over its token budget is cut at a token boundary and the cut is said', () => {
  const body = 'word '.repeat(400_000); // ~2 MB, far over the budget
  const r = clipTokens('PR description', body, 2000);
  expect(countText(r.text)).toBeLessThanOrEqual(2000 + 40);
  expect(r.cut).toMatch(/^PR description: cut to 2,000 tokens \([\d,]+ characters left out\)$/);
  expect(clipTokens('x', 'short text', 2000)).toEqual({ text: 'short text' });
});
