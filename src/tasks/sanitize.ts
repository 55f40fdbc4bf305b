// The one sanitizer for everything Baton posts that holds untrusted text (PR titles, file names, model answers).
// What survives is documented in the README ("What Baton posts"): no mentions in any shape GitHub renders as one,
// no raw HTML, links and images only to the same repository (others become inert text naming the host), no line
// that reads as a `/baton` command, and untrusted strings escaped for the Markdown context they land in.
// Every pass is a bounded, linear scan: a hostile 1 MB answer costs milliseconds.
import { redact } from './redact/redact.js';

export interface SanitizeOptions {
  /** `owner/repo`: links into it stay links. */
  repo?: string;
  /** Maximum length of the result (characters). */
  max?: number;
}

// Zero-width and invisible format characters: GitHub still renders `\u200b@alice` as a mention, and they hide text.
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;
const INVISIBLE_BEFORE_AT =
  /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]{1,64}(?=[@＠﹫])/g;
// Entities GitHub decodes before it looks for mentions: &#64; &#x40; &commat; (and the full-width at sign).
const AT_ENTITY = /&(?:#0{0,8}64|#[xX]0{0,8}40|commat|#0{0,8}65312|#[xX]0{0,8}[fF][fF]20);?/g;

/** `@alice`, `*@alice*`, `` `x`@alice ``, `&#64;alice` → `@\u200balice`: readable, but nobody is notified. */
export function neutraliseMentions(text: string): string {
  return text
    .replace(AT_ENTITY, '@')
    .replace(/[@＠﹫][\u00ad\u200b-\u200f\u2060-\u2064\ufeff]{1,64}/g, '@')
    .replace(/(?<![A-Za-z0-9])[@＠﹫](?=[A-Za-z0-9_-])/g, '@\u200b');
}

/** `/baton …` anywhere becomes `/\u200bbaton`: Baton's own text can never read as a command. */
export function neutraliseCommands(text: string): string {
  return text.replace(/\/(baton)\b/gi, '/\u200b$1');
}

const MAX_TAG = 2000;

/** Remove HTML comments and tags (one linear scan); a `<` that opens nothing becomes `&lt;`. */
export function stripHtml(text: string): string {
  let out = '';
  let at = 0;
  let gt = -1; // the next '>' at or after the current '<' (positions only grow, so each is searched for once)
  for (;;) {
    const lt = text.indexOf('<', at);
    if (lt < 0) return out + text.slice(at);
    out += text.slice(at, lt);
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      at = end < 0 ? text.length : end + 3;
      continue;
    }
    const next = text[lt + 1] ?? '';
    if (/[A-Za-z/!?]/.test(next)) {
      if (gt !== Number.POSITIVE_INFINITY && gt <= lt) gt = text.indexOf('>', lt + 1);
      if (gt < 0) gt = Number.POSITIVE_INFINITY;
      if (gt - lt <= MAX_TAG) {
        at = gt + 1;
        continue;
      }
      out += '&lt;';
    } else out += '<';
    at = lt + 1;
  }
}

function hostOf(url: string): string {
  const m = /^[a-z][a-z0-9+.-]{0,20}:\/{0,3}([^/?#\s]{0,255})/i.exec(url) ?? /^\/\/([^/?#\s]{0,255})/.exec(url);
  const host = (m?.[1] ?? '').replace(/^[^@]{0,255}@/, '').replace(/^www\./i, '');
  return host || url.replace(/[:/].*$/, '').slice(0, 60);
}

/** Is this URL inside the same repository on GitHub (or relative to it)? */
export function sameRepoUrl(url: string, repo: string | undefined, image = false): boolean {
  const u = url.trim();
  if (!u) return false;
  // Relative links and anchors resolve inside the repository (or the page) GitHub renders.
  if (u.startsWith('#')) return true;
  if (!/^[a-z][a-z0-9+.-]{0,20}:/i.test(u) && !u.startsWith('//') && !u.startsWith('\\')) return true;
  const m = /^https:\/\/github\.com\/([^/?#\s]{1,100})\/([^/?#\s]{1,100})(?:[/?#]|$)/i.exec(u);
  if (!m) return false;
  if (image && m[1]!.toLowerCase() === 'user-attachments') return true;
  return Boolean(repo) && `${m[1]}/${m[2]}`.toLowerCase() === repo!.toLowerCase();
}

const inertHost = (url: string) => {
  const h = hostOf(url).replace(/`/g, '');
  return h ? ` (\`${h}\`)` : '';
};

// Inline links and images, reference definitions, and bare URLs GitHub would autolink; all bounded.
const LINKISH = new RegExp(
  [
    String.raw`(!?)\[([^\[\]\n]{0,500})\]\(\s{0,4}<?((?:[^\s()<>]|\([^\s()<>]{0,200}\)){0,2000})>?(?:\s{1,4}(?:"[^"\n]{0,300}"|'[^'\n]{0,300}'|\([^()\n]{0,300}\)))?\s{0,4}\)`,
    String.raw`^( {0,3})\[([^\]\n]{1,500})\]:[ \t]{0,8}<?(\S{1,2000}?)>?(?=[ \t]|$)`,
    String.raw`(?:\b(?:https?|ftp):\/\/|\bwww\.)[^\s<>()\[\]"'\u0060]{1,2000}`,
  ].join('|'),
  'gim',
);

/** Links and images only to the same repository; others become their text plus the host, as inert code. */
export function restrictLinks(text: string, repo?: string): string {
  return text.replace(
    LINKISH,
    (whole: string, bang?: string, label?: string, url?: string, indent?: string, ref?: string, refUrl?: string) => {
      if (url !== undefined) {
        if (sameRepoUrl(url, repo, bang === '!')) return whole;
        const what = bang ? (label ? `image: ${label}` : 'image') : label || url;
        return `${what}${inertHost(url)}`;
      }
      if (refUrl !== undefined) {
        if (sameRepoUrl(refUrl, repo)) return whole;
        return `${indent ?? ''}\\[${ref}\\]:${inertHost(refUrl)}`;
      }
      const abs = /^www\./i.test(whole) ? `https://${whole}` : whole;
      if (sameRepoUrl(abs, repo)) return whole;
      return `\`${hostOf(abs).replace(/`/g, '')}\``;
    },
  );
}

/** Remove `javascript:`-style schemes that survived as text. */
function defangSchemes(text: string): string {
  return text.replace(/\b(javascript|vbscript|data|file)\s{0,4}:/gi, '$1\u200b:');
}

export function capLength(text: string, max = 60_000, pointer = '… (truncated)'): string {
  if (text.length <= max) return text;
  const note = `\n\n${pointer}`;
  // Do not cut a surrogate pair in half.
  let cut = Math.max(0, max - note.length);
  if (cut > 0 && /[\ud800-\udbff]/.test(text[cut - 1]!)) cut--;
  return text.slice(0, cut) + note;
}

/** A block of untrusted Markdown (a model's summary), made safe to post. Secrets are redacted first. */
export function sanitizeMarkdown(text: string, opts: SanitizeOptions = {}): string {
  const max = opts.max ?? 60_000;
  // Cut first (with headroom): the passes need not scan what will be dropped anyway.
  const clipped = text.length > max * 2 + 1000 ? text.slice(0, max * 2 + 1000) : text;
  // An invisible character before an @ still lets GitHub see a mention: it becomes a space, then the @ is broken.
  const visible = stripHtml(redact(clipped)).replace(INVISIBLE_BEFORE_AT, ' ').replace(INVISIBLE, '');
  const safe = neutraliseCommands(neutraliseMentions(defangSchemes(restrictLinks(visible, opts.repo))));
  return capLength(safe, max);
}

/** One line of untrusted text inside Baton's prose (a title, a list item): no newlines, no Markdown that renders. */
export function inlineText(text: string, opts: SanitizeOptions = {}): string {
  const max = opts.max ?? 500;
  const oneLine = text
    .slice(0, max * 4)
    .replace(/\s+/g, ' ')
    .trim();
  const escaped = stripHtml(redact(oneLine))
    .replace(INVISIBLE, '')
    .replace(/[\\`*_[\]()<>#!|~]/g, (c) => `\\${c}`)
    .replace(/^([-+=]|\d+[.)])(\s)/, '\\$1$2')
    .replace(/(?:\b(?:https?|ftp):\/\/|\bwww\.)/gi, (m) => m.replace(/[.:]/, (c) => `\u200b${c}`));
  return capLength(neutraliseCommands(neutraliseMentions(escaped)), max, '…');
}

/**
 * An untrusted string (a file name) as an inline code span: newlines and control characters cannot end the span or
 * the list item, backticks inside cannot close it, and nothing in it renders.
 */
export function codeSpan(text: string, max = 300): string {
  let s = redact(text.slice(0, max * 4))
    .replace(/[\r\n\u2028\u2029]+/g, '⏎')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(INVISIBLE, '');
  if (s.length > max) s = `${s.slice(0, max - 1)}…`;
  let longest = 0;
  for (const run of s.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || !s.trim() ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** Untrusted text in a Markdown table cell: inline text with pipes escaped (inlineText already escapes them). */
export const tableCell = (text: string, max = 200): string => inlineText(text, { max });
