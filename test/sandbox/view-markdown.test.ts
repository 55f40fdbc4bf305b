// The sandbox view renders comments the way GitHub does: `title` survives on any element (the card's times carry
// their exact value in one), scripts and event handlers do not.
import { renderMarkdown } from '../../src/sandbox/view-markdown.js';

it('keeps title on a span, drops what GitHub drops', () => {
  const html = renderMarkdown('<span title="2026-12-01 09:56 UTC" onclick="x()">2 h ago</span><script>x()</script>', {
    issue: (n) => `/view/${n}`,
    user: (u) => `/view/u/${u}`,
  });
  expect(html).toContain('<span title="2026-12-01 09:56 UTC">2 h ago</span>');
  expect(html).not.toMatch(/onclick|<script/);
});
