// Turns the URL of a GitHub request into a bounded label. Octokit hooks usually see the route template
// ('/repos/{owner}/{repo}/issues/{issue_number}'), but pagination and hand-built calls pass real URLs: those are
// reduced to a template so owner names, issue numbers, label names and SHAs never become label values.

const OWNER_PARAM: Record<string, string> = { repos: '{owner}', users: '{username}', orgs: '{org}' };
const WORD = /^[a-z][a-z0-9_-]{0,39}$/;
const MAX_SEGMENTS = 10;
// Repo resources whose tail is a free-form path or ref (file paths, branch names, `a...b` ranges).
const PATH_TAIL = new Set(['contents', 'compare', 'branches', 'tarball', 'zipball', 'readme']);

export function routeTemplate(url: string): string {
  // Drop origin (absolute URLs from `link` headers), query string and fragment.
  let path = url
    .replace(/^[a-z]+:\/\/[^/]+/i, '')
    .split('?')[0]!
    .split('#')[0]!;
  if (!path.startsWith('/')) path = '/' + path;
  if (path.includes('{')) return path;

  const parts = path.split('/');
  const inRepo = parts[1] === 'repos';
  if (inRepo && parts.length > 5) {
    const keep = PATH_TAIL.has(parts[4]!) ? 5 : parts[4] === 'git' ? 6 : 0;
    if (keep && parts.length > keep) parts.splice(keep, parts.length - keep, '{path}');
  }
  const isGit = inRepo && parts[4] === 'git';
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    if (seg === '' || seg === '{path}' || (isGit && i === 5 && WORD.test(seg))) continue;
    if (/^\d+$/.test(seg)) parts[i] = '{id}';
    else if (/^[0-9a-f]{40}$/i.test(seg)) parts[i] = '{sha}';
    else if (i === 2 && OWNER_PARAM[parts[1]!]) parts[i] = OWNER_PARAM[parts[1]!]!;
    else if (inRepo && i === 3) parts[i] = '{repo}';
    // Under /repos/{owner}/{repo}/ routes alternate resource/param: /issues/{n}/labels/{name}, /contents/{path}.
    else if (inRepo && i >= 5 && (i - 4) % 2 === 1) parts[i] = '{param}';
    else if (!WORD.test(seg)) parts[i] = '{param}';
  }
  return parts.length > MAX_SEGMENTS ? parts.slice(0, MAX_SEGMENTS).join('/') + '/…' : parts.join('/');
}
