// Members of `org/team` slugs, for role guards that name a team. Cached for five minutes per repository and team
// (membership changes rarely; a review approval should not cost one request per team), in a bounded LRU so a
// long-lived process watching many repositories keeps a fixed footprint.
import { LRUCache } from 'lru-cache';
import { splitTeam } from '../engine/owners.js';
import type { GitHubPort } from './port.js';

const TTL_MS = 5 * 60_000;

export class TeamMembers {
  private readonly cache: LRUCache<string, string[]>;

  constructor(max = 2000, now: () => number = Date.now) {
    this.cache = new LRUCache<string, string[]>({ max, ttl: TTL_MS, perf: { now } });
  }

  /** Members of each slug, keyed by the lower-cased slug. */
  async of(port: GitHubPort, slugs: Iterable<string>): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const slug of slugs) {
      const key = slug.toLowerCase();
      const cacheKey = `${port.fullName}:${key}`;
      let members = this.cache.get(cacheKey);
      if (!members) {
        const team = splitTeam(slug, port.ref.owner);
        members = await port.listTeamMembers(team.org, team.slug);
        this.cache.set(cacheKey, members);
      }
      out[key] = members;
    }
    return out;
  }
}
