// Who owns a stage, resolved from the flow's `owner:` reference. Pure.
import type { Flow, Role } from '../flow/types.js';
import type { RunState } from './types.js';

export interface Owners {
  users: string[];
  teams: string[];
}

const EMPTY: Role = { users: [], teams: [] };

export function roleOf(flow: Flow, name: string | undefined): Role {
  return (name && flow.roles[name]) || EMPTY;
}

/** Resolve an owner reference: a role, `issue.author`, `pr.author` (authors of linked open PRs) or `@login`. */
export function resolveOwners(flow: Flow, ref: string | undefined, run: Pick<RunState, 'issueAuthor' | 'prs'>): Owners {
  if (!ref) return { users: [], teams: [] };
  if (ref === 'issue.author') return { users: [run.issueAuthor], teams: [] };
  if (ref === 'pr.author') {
    const authors = run.prs.filter((p) => p.state === 'open' || p.state === 'draft').map((p) => p.author);
    return { users: uniq(authors.length ? authors : [run.issueAuthor]), teams: [] };
  }
  if (ref.startsWith('@')) return { users: [ref.slice(1)], teams: [] };
  const role = roleOf(flow, ref);
  return { users: [...role.users], teams: [...role.teams] };
}

/**
 * Is `login` one of these members, counting the members of their teams (expanded by the adapter, keyed by the
 * lower-cased slug)? Logins compare without case, as GitHub's do.
 */
export function isMember(
  m: { users: string[]; teams: string[] },
  login: string,
  teamMembers: Record<string, string[]> = {},
): boolean {
  const lc = login.toLowerCase();
  if (m.users.some((u) => u.toLowerCase() === lc)) return true;
  return m.teams.some((t) => (teamMembers[t.toLowerCase()] ?? []).some((u) => u.toLowerCase() === lc));
}

/** Is `login` a member of the role, counting members of its teams (expanded by the adapter)? */
export function inRole(flow: Flow, role: string, login: string, teamMembers: Record<string, string[]> = {}): boolean {
  return isMember(roleOf(flow, role), login, teamMembers);
}

export function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** `org/team` → its parts; a bare `team` belongs to `org` (the repository's owner). */
export function splitTeam(ref: string, org = ''): { org: string; slug: string } {
  const i = ref.indexOf('/');
  return i < 0 ? { org, slug: ref } : { org: ref.slice(0, i), slug: ref.slice(i + 1) };
}
