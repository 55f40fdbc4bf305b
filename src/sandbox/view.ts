// A read-only web view of the sandbox's GitHub, at /view on the sandbox's own server: its repositories, their issues
// and pull requests with every comment rendered as GitHub renders it (view-markdown.ts), labels, assignees, review
// requests, reviews and check runs. It reads the world and changes nothing; a small script refetches the page body
// every two seconds so the demo can be watched as it plays. Plain strings, every value escaped; the only HTML that
// is not escaped is sanitized Markdown.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CheckRun, Comment, Issue, Label, Repo, Review, SandboxState } from './state.js';
import { renderMarkdown, type Links } from './view-markdown.js';

export const VIEW_BASE = '/view';

const HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  // Rendered comments may hold images from anywhere; the view loads none (GitHub proxies them through its camo).
  // Inline style attributes are the view's own label colours (validated hex); sanitized Markdown keeps no style.
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const esc = (v: unknown) =>
  String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

const when = (iso: string | null | undefined) =>
  iso
    ? `<time datetime="${esc(iso)}" title="${esc(iso)}">${esc(iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC'))}</time>`
    : '';

/** Black or white text, whichever reads on the label's colour (GitHub picks by lightness too). */
function labelChip(l: Label | undefined, name: string): string {
  const color = /^[0-9a-f]{6}$/i.test(l?.color ?? '') ? l!.color : 'ededed';
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(color.slice(i, i + 2), 16)) as [number, number, number];
  const light = (r * 299 + g * 587 + b * 114) / 1000 > 150;
  return `<span class="label" style="--label:#${color};--label-fg:${light ? '#1f2328' : '#ffffff'}" title="${esc(l?.description ?? '')}">${esc(name)}</span>`;
}

export class SandboxView {
  constructor(
    private readonly state: SandboxState,
    /** The web root the sandbox's html_url fields use (https://github.com): links there open in the view instead. */
    private readonly htmlRoot = 'https://github.com',
  ) {}

  /** Answers GET requests under /view; false for any other path (the REST API's). */
  readonly handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    if (url.pathname !== VIEW_BASE && !url.pathname.startsWith(`${VIEW_BASE}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...HEADERS, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('The sandbox view is read-only: act through the REST API (npx baton sandbox act --help).\n');
      return true;
    }
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { ...HEADERS, 'Content-Type': type });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    };
    try {
      if (url.pathname === `${VIEW_BASE}/view.css`) return send(200, 'text/css; charset=utf-8', VIEW_CSS);
      if (url.pathname === `${VIEW_BASE}/view.js`) return send(200, 'text/javascript; charset=utf-8', VIEW_JS);
      const page = this.page(url.pathname.slice(VIEW_BASE.length) || '/', url.searchParams.get('author') ?? undefined);
      if (!page) return send(404, 'text/html; charset=utf-8', this.layout('Not found', '<p>No such page.</p>'));
      // The refresh script asks for the page's body only, and swaps it in when it changed.
      if (url.searchParams.get('part') === 'main') return send(200, 'text/html; charset=utf-8', page.main);
      return send(200, 'text/html; charset=utf-8', this.layout(page.title, page.main));
    } catch (e) {
      return send(500, 'text/plain; charset=utf-8', `The sandbox view failed: ${(e as Error).message}\n`);
    }
  };

  private page(path: string, author?: string): { title: string; main: string } | undefined {
    if (path === '/' || path === '') return { title: 'Sandbox', main: this.index() };
    const m = /^\/([^/]+)\/([^/]+)(?:\/(issues|pull)\/(\d+))?\/?$/.exec(path);
    if (!m) return undefined;
    const r = this.state.repos.get(`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`.toLowerCase());
    if (!r) return undefined;
    if (!m[3]) return { title: r.fullName, main: this.repoPage(r, author) };
    const i = r.issues.get(Number(m[4]));
    if (!i) return undefined;
    return { title: `${i.title} · ${r.fullName}#${i.number}`, main: this.issuePage(r, i) };
  }

  private links(r: Repo): Links {
    const root = this.htmlRoot.replace(/\/$/, '');
    return {
      issue: (n) => `${VIEW_BASE}/${r.owner}/${r.name}/issues/${n}`,
      user: (login) => `${VIEW_BASE}/${r.owner}/${r.name}?author=${encodeURIComponent(login)}`,
      // A link Baton wrote to an issue, PR or comment of a sandbox repository ("risk comment") stays in the view.
      href: (url) => {
        if (!url.startsWith(`${root}/`)) return url;
        const m = /^\/([^/]+)\/([^/]+)\/(issues|pull)\/(\d+)(#[\w-]+)?$/.exec(url.slice(root.length));
        return m && this.state.repos.has(`${m[1]}/${m[2]}`.toLowerCase())
          ? `${VIEW_BASE}/${m[1]}/${m[2]}/${m[3]}/${m[4]}${m[5] ?? ''}`
          : url;
      },
    };
  }

  private md(r: Repo, text: string | null): string {
    return text?.trim()
      ? renderMarkdown(text, this.links(r))
      : '<p class="muted"><em>No description provided.</em></p>';
  }

  private index(): string {
    const repos = [...this.state.repos.values()].sort((a, b) => a.fullName.localeCompare(b.fullName));
    return `<h1>Sandbox repositories</h1>
<p class="muted">The sandbox's GitHub as its people see it, read-only. Act as one of them with <code>npx baton sandbox act --as bob comment 1 "/baton status"</code>.</p>
<ul class="repos">${repos
      .map(
        (r) =>
          `<li><a href="${VIEW_BASE}/${esc(r.owner)}/${esc(r.name)}">${esc(r.fullName)}</a> <span class="muted">${r.openCount} open</span>${r.description ? ` · ${esc(r.description)}` : ''}</li>`,
      )
      .join('')}</ul>`;
  }

  /** Every issue and pull request, newest first; `author` keeps those someone opened (where `@login` links go). */
  private repoPage(r: Repo, author?: string): string {
    const all = [...r.issues.values()]
      .filter((i) => !author || i.user.toLowerCase() === author.toLowerCase())
      .sort((a, b) => b.number - a.number);
    const row = (i: Issue) => {
      const state = i.pull?.merged ? 'merged' : i.state;
      return `<li class="row" data-number="${i.number}"><span class="state state-${state}">${i.pull ? 'PR' : 'Issue'} · ${state}</span>
<a href="${VIEW_BASE}/${esc(r.owner)}/${esc(r.name)}/${i.pull ? 'pull' : 'issues'}/${i.number}">${esc(i.title)}</a> <span class="muted">#${i.number} by ${esc(i.user)}</span>
${i.labels.map((l) => labelChip(r.labels.get(l.toLowerCase()), l)).join(' ')}</li>`;
    };
    return `<h1>${esc(r.fullName)}</h1>
<p class="muted">${count(all.filter((i) => !i.pull).length, 'issue')}, ${count(all.filter((i) => i.pull).length, 'pull request')}${
      author ? ` opened by ${esc(author)} (<a href="${VIEW_BASE}/${esc(r.owner)}/${esc(r.name)}">everyone's</a>)` : ''
    }. Newest first.</p>
<ul class="rows">${all.map(row).join('')}</ul>`;
  }

  private issuePage(r: Repo, i: Issue): string {
    const state = i.pull?.merged ? 'merged' : i.state;
    const base = `${VIEW_BASE}/${esc(r.owner)}/${esc(r.name)}`;
    // The conversation in time order: the opening post, comments and (on a PR) reviews with their bodies.
    // Ids grow with every object the world makes: they order what happened within one second.
    type Item = { at: string; id: number; html: string };
    const items: Item[] = i.comments
      .map((id) => this.state.comments.get(id))
      .filter((c): c is Comment => !!c)
      .map((c) => ({ at: c.created_at, id: c.id, html: this.comment(r, c) }));
    for (const v of i.pull?.reviews ?? []) items.push({ at: v.submitted_at, id: v.id, html: this.review(r, v) });
    items.sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id);
    const head = `<nav class="crumbs"><a href="${VIEW_BASE}">Sandbox</a> / <a href="${base}">${esc(r.fullName)}</a></nav>
<h1 class="title">${esc(i.title)} <span class="muted">#${i.number}</span></h1>
<p><span class="state state-${state}">${esc(state)}</span> <strong>${esc(i.user)}</strong> opened this ${i.pull ? 'pull request' : 'issue'} ${when(i.created_at)}${
      i.pull ? ` · <code>${esc(i.pull.headRef)}</code> → <code>${esc(i.pull.baseRef)}</code>` : ''
    }</p>`;
    const opening = `<article class="comment" id="issue-${i.number}" data-author="${esc(i.user)}"><header><strong>${esc(i.user)}</strong> ${when(i.created_at)}</header><div class="markdown-body">${this.md(r, i.body)}</div></article>`;
    return `${head}<div class="layout"><section class="conversation">${opening}${items.map((x) => x.html).join('')}${
      i.pull ? this.checks(r, i) : ''
    }</section><aside class="sidebar">${this.sidebar(r, i)}</aside></div>`;
  }

  private comment(r: Repo, c: Comment): string {
    const edited =
      c.updated_at !== c.created_at ? ` <span class="muted" title="${esc(c.updated_at)}">edited</span>` : '';
    return `<article class="comment" id="issuecomment-${c.id}" data-author="${esc(c.user)}"><header><strong>${esc(c.user)}</strong> commented ${when(c.created_at)}${edited}</header><div class="markdown-body">${this.md(r, c.body)}</div></article>`;
  }

  private review(r: Repo, v: Review): string {
    const verb = {
      APPROVED: 'approved these changes',
      CHANGES_REQUESTED: 'requested changes',
      COMMENTED: 'reviewed',
      DISMISSED: 'reviewed (dismissed)',
      PENDING: 'started a review',
    }[v.state];
    return `<article class="comment review review-${v.state.toLowerCase()}" id="pullrequestreview-${v.id}" data-author="${esc(v.user)}"><header><strong>${esc(v.user)}</strong> ${verb} ${when(v.submitted_at)}</header>${
      v.body.trim() ? `<div class="markdown-body">${this.md(r, v.body)}</div>` : ''
    }</article>`;
  }

  private checks(r: Repo, i: Issue): string {
    const runs = (r.runsBySha.get(i.pull!.headSha) ?? [])
      .map((id) => r.checkRuns.get(id))
      .filter((x): x is CheckRun => !!x);
    if (!runs.length) return '';
    const row = (c: CheckRun) => {
      const app = this.state.apps.get(c.appId)?.name ?? 'app';
      const result = c.status === 'completed' ? (c.conclusion ?? 'completed') : c.status;
      const summary = c.output.summary
        ? `<details><summary>${esc(c.output.title ?? 'Details')}</summary><div class="markdown-body">${this.md(r, c.output.summary)}</div></details>`
        : c.output.title
          ? `<div class="muted">${esc(c.output.title)}</div>`
          : '';
      return `<li class="check check-${esc(result)}" data-check="${esc(c.name)}"><span class="dot"></span><strong>${esc(c.name)}</strong> <span class="muted">(${esc(app)})</span> — ${esc(result)}${summary}</li>`;
    };
    return `<section class="checks"><h2>Checks on <code>${esc(i.pull!.headSha.slice(0, 7))}</code></h2><ul>${runs.map(row).join('')}</ul></section>`;
  }

  private sidebar(r: Repo, i: Issue): string {
    const block = (title: string, body: string) =>
      `<div class="side"><h3>${title}</h3>${body || '<p class="muted">None yet</p>'}</div>`;
    const people = (logins: string[]) => logins.map((l) => `<div class="person">${esc(l)}</div>`).join('');
    const parts = [
      block('Assignees', people(i.assignees)),
      block('Labels', i.labels.map((l) => labelChip(r.labels.get(l.toLowerCase()), l)).join(' ')),
    ];
    if (i.pull) {
      const latest = new Map<string, Review['state']>();
      for (const v of i.pull.reviews) if (v.state !== 'COMMENTED' || !latest.has(v.user)) latest.set(v.user, v.state);
      const reviewers = [
        ...[...latest].map(
          ([u, s]) =>
            `<div class="person">${esc(u)} <span class="muted">${esc(s.toLowerCase().replace('_', ' '))}</span></div>`,
        ),
        ...[...i.pull.requestedUsers]
          .filter((u) => !latest.has(u))
          .map((u) => `<div class="person">${esc(u)} <span class="muted">requested</span></div>`),
        ...[...i.pull.requestedTeams].map(
          (t) => `<div class="person">${esc(r.owner)}/${esc(t)} <span class="muted">requested (team)</span></div>`,
        ),
      ];
      parts.unshift(block('Reviewers', reviewers.join('')));
      parts.push(
        block(
          'Files changed',
          `<ul class="files">${i.pull.files.map((f) => `<li><code>${esc(f.filename)}</code> <span class="add">+${f.additions}</span> <span class="del">−${f.deletions}</span></li>`).join('')}</ul>`,
        ),
      );
    }
    return parts.join('');
  }

  private layout(title: string, main: string): string {
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${VIEW_BASE}/view.css">
<script src="${VIEW_BASE}/view.js" defer></script></head>
<body><header class="top"><a href="${VIEW_BASE}">GitHub sandbox</a><span class="muted" id="live">read-only · refreshes as the demo plays</span></header>
<main id="main">${main}</main></body></html>`;
  }
}

const VIEW_CSS = `
:root { font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", system-ui, sans-serif; color: #1f2328; background: #fff; font-size: 14px; line-height: 1.5; }
* { box-sizing: border-box; }
body { margin: 0; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; background: #24292f; color: #fff; padding: .75rem 1.5rem; }
.top a { color: #fff; font-weight: 600; }
.top .muted { color: #d0d7de; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
.muted { color: #59636e; }
h1 { font-size: 1.6rem; font-weight: 400; margin: .5rem 0; overflow-wrap: anywhere; }
.crumbs { font-size: .9rem; }
.state { display: inline-block; border-radius: 2em; padding: .1rem .6rem; color: #fff; font-size: .8rem; font-weight: 600; text-transform: capitalize; background: #1f883d; }
.state-closed { background: #8250df; } .state-merged { background: #8250df; }
.rows, .repos { list-style: none; padding: 0; border: 1px solid #d1d9e0; border-radius: 6px; }
.rows li, .repos li { padding: .5rem .75rem; border-top: 1px solid #d1d9e0; }
.rows li:first-child, .repos li:first-child { border-top: 0; }
.label { display: inline-block; border-radius: 2em; padding: 0 .5rem; font-size: .75rem; font-weight: 500; background: var(--label); color: var(--label-fg); border: 1px solid rgba(31,35,40,.15); margin: 0 .15rem .15rem 0; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 240px; gap: 1.5rem; }
.comment { border: 1px solid #d1d9e0; border-radius: 6px; margin: 0 0 1rem; }
.comment > header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: .5rem .75rem; border-radius: 6px 6px 0 0; color: #59636e; }
.comment > header strong { color: #1f2328; }
.review-approved > header { background: #dafbe1; } .review-changes_requested > header { background: #ffebe9; }
.markdown-body { padding: .75rem 1rem; overflow-wrap: anywhere; }
.markdown-body > :first-child { margin-top: 0; } .markdown-body > :last-child { margin-bottom: 0; }
.markdown-body h1, .markdown-body h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; font-weight: 600; }
.markdown-body h1 { font-size: 1.6em; } .markdown-body h2 { font-size: 1.35em; } .markdown-body h3 { font-size: 1.15em; }
.markdown-body code { background: rgba(129,139,152,.12); padding: .1em .35em; border-radius: 6px; font-size: 85%; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.markdown-body pre { background: #f6f8fa; padding: .75rem; border-radius: 6px; overflow: auto; }
.markdown-body pre code { background: none; padding: 0; }
.markdown-body table { border-collapse: collapse; display: block; overflow: auto; margin: .5rem 0; }
.markdown-body th, .markdown-body td { border: 1px solid #d1d9e0; padding: .3rem .7rem; }
.markdown-body tr:nth-child(2n) { background: #f6f8fa; }
.markdown-body blockquote { margin: 0; padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
.markdown-body details { margin: .5rem 0; } .markdown-body summary { cursor: pointer; }
.markdown-body ul, .markdown-body ol { padding-left: 2em; }
.markdown-body img { max-width: 100%; }
.checks { border: 1px solid #d1d9e0; border-radius: 6px; padding: .5rem 1rem; }
.checks h2 { font-size: 1rem; margin: .25rem 0; }
.checks ul { list-style: none; padding: 0; margin: 0; }
.check { padding: .35rem 0; border-top: 1px solid #eef1f4; } .check:first-child { border-top: 0; }
.check .dot { display: inline-block; width: .7rem; height: .7rem; border-radius: 50%; background: #bf8700; margin-right: .4rem; }
.check-success .dot { background: #1f883d; } .check-failure .dot, .check-timed_out .dot, .check-cancelled .dot { background: #d1242f; } .check-neutral .dot, .check-skipped .dot { background: #8c959f; }
.sidebar .side { border-bottom: 1px solid #d1d9e0; padding: .5rem 0 .75rem; }
.sidebar h3 { font-size: .8rem; color: #59636e; margin: 0 0 .3rem; }
.sidebar p { margin: 0; }
.files { list-style: none; padding: 0; margin: 0; font-size: .8rem; overflow-wrap: anywhere; }
.add { color: #1a7f37; } .del { color: #d1242f; }
@media (max-width: 760px) {
  main { padding: .75rem; }
  .layout { grid-template-columns: minmax(0, 1fr); }
  .sidebar { order: -1; }
}
`;

const VIEW_JS = `(function () {
  'use strict';
  // Refetch this page's body every two seconds and swap it in when it changed (the demo is playing); the open state
  // of <details> and the scroll position survive the swap.
  var main = document.getElementById('main');
  var last = main.innerHTML;
  function tick() {
    var u = new URL(location.href);
    u.searchParams.set('part', 'main');
    fetch(u.toString(), { cache: 'no-store' }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
      if (html === null || html === last) return;
      var open = Array.prototype.map.call(main.querySelectorAll('details'), function (d) { return d.open; });
      last = html;
      main.innerHTML = html;
      Array.prototype.forEach.call(main.querySelectorAll('details'), function (d, i) { if (open[i]) d.open = true; });
      document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
    }).catch(function () {}).then(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 2000);
})();
`;
