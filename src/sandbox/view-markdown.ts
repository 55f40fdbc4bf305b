// Comment bodies rendered the way GitHub renders them: GitHub Flavored Markdown (tables, task lists, strikethrough,
// autolinks; a newline in a comment is a line break) through `marked`, then sanitized through `sanitize-html` to
// the HTML GitHub keeps. GitHub's rules: "About writing and formatting on GitHub"
// (https://docs.github.com/en/get-started/writing-on-github/getting-started-with-writing-and-formatting-on-github/basic-writing-and-formatting-syntax)
// and "Autolinked references" (https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/autolinked-references-and-urls):
// `#123` links to that issue or pull request, `@login` to the person. HTML comments (Baton's markers) never show;
// scripts, styles, event handlers and `javascript:` links are dropped, as GitHub's sanitizer drops them.
import { Marked, type TokenizerAndRendererExtension } from 'marked';
import sanitizeHtml from 'sanitize-html';

/** The elements GitHub keeps in user content (its html-pipeline sanitization allowlist, the parts comments use). */
const ALLOWED_TAGS = [
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'p',
  'br',
  'hr',
  'b',
  'i',
  'strong',
  'em',
  'a',
  'pre',
  'code',
  'kbd',
  'samp',
  'var',
  'tt',
  'img',
  'div',
  'span',
  'ins',
  'del',
  's',
  'strike',
  'sup',
  'sub',
  'small',
  'mark',
  'abbr',
  'q',
  'cite',
  'blockquote',
  'ol',
  'ul',
  'li',
  'dl',
  'dt',
  'dd',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
  'caption',
  'details',
  'summary',
  'input',
  'picture',
  'source',
  'ruby',
  'rt',
  'rp',
];

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: {
    // GitHub keeps `title` on every element (the card's "2 h ago" carries the exact time in one).
    '*': ['title'],
    a: ['href', 'title', 'class', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height', 'align'],
    code: ['class'],
    div: ['align'],
    p: ['align'],
    th: ['align', 'colspan', 'rowspan'],
    td: ['align', 'colspan', 'rowspan'],
    details: ['open'],
    ol: ['start'],
    li: ['class'],
    ul: ['class'],
    input: ['type', 'checked', 'disabled', 'class'],
    source: ['srcset', 'media'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href', 'src', 'srcset'],
  allowProtocolRelative: false,
  // Task list boxes are shown, never usable from a rendered comment (GitHub renders them disabled too).
  transformTags: {
    input: (_tag, attribs) =>
      attribs.type === 'checkbox'
        ? { tagName: 'input', attribs: { ...attribs, disabled: '' } }
        : { tagName: 'span', attribs: {} },
    a: (_tag, attribs) => ({ tagName: 'a', attribs: { ...attribs, rel: 'nofollow' } }),
  },
  allowedClasses: { code: [/^language-[\w-]+$/], a: ['issue-link', 'user-mention'], li: ['task-list-item'] },
};

export interface Links {
  /** Where `#N` goes: the view's page for issue/PR N of the repository the comment is in. */
  issue(n: number): string;
  /** Where `@login` goes. */
  user(login: string): string;
  /** Rewrites a link's target (a link to the repository's own pages opens in the view). */
  href?(url: string): string;
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function references(links: Links): TokenizerAndRendererExtension[] {
  return [
    {
      name: 'issueRef',
      level: 'inline',
      // A reference starts a word: "#12" or "(#12", never "a#12" or a URL's fragment.
      start: (src) => src.match(/(?<![\w/&#])#\d/)?.index,
      tokenizer(src) {
        const m = /^#(\d{1,9})(?![\w-])/.exec(src);
        return m ? { type: 'issueRef', raw: m[0], n: Number(m[1]) } : undefined;
      },
      renderer: (t) => `<a class="issue-link" href="${escapeAttr(links.issue(t.n as number))}">#${t.n}</a>`,
    },
    {
      name: 'mention',
      level: 'inline',
      start: (src) => src.match(/(?<![\w`])@[A-Za-z0-9]/)?.index,
      tokenizer(src) {
        // GitHub logins: alphanumerics and single hyphens, at most 39 characters (an App's bot adds "[bot]").
        const m = /^@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\[bot\])?)(?![\w@.])/.exec(src);
        return m ? { type: 'mention', raw: m[0], login: m[1] } : undefined;
      },
      renderer: (t) =>
        `<a class="user-mention" href="${escapeAttr(links.user(t.login as string))}">@${escapeAttr(t.login as string)}</a>`,
    },
  ];
}

/** Markdown → the sanitized HTML GitHub would show. Never throws: unparseable input shows as escaped text. */
export function renderMarkdown(text: string, links: Links): string {
  const md = new Marked({ gfm: true, breaks: true, async: false });
  md.use({
    extensions: references(links),
    walkTokens: (t) => {
      if (t.type === 'link' && links.href) t.href = links.href(t.href);
    },
  });
  let html: string;
  try {
    html = md.parse(text) as string;
  } catch {
    html = `<pre>${sanitizeHtml(text, { allowedTags: [], allowedAttributes: {} })}</pre>`;
  }
  return sanitizeHtml(html, SANITIZE);
}
