// A repository is its id, not its name: renamed or transferred, GitHub keeps its id, issues and comments, and sends
// the new name in every payload (https://docs.github.com/en/repositories/creating-and-managing-repositories/renaming-a-repository,
// `repository.renamed` / `repository.transferred`: https://docs.github.com/en/webhooks/webhook-events-and-payloads#repository).
// Baton's store knows runs by name; when a payload names a repository id under a new name (the rename event itself,
// or any event after it if that one was missed), what the store keeps under the old name moves to the new one, and
// the old name stays an alias so a card that still says the old name is recognised as this repository's.
import type { Store } from '../store/types.js';

/** Namespaces whose keys are `owner/repo#issue`. */
const PER_ISSUE = ['card', 'run', 'run-written', 'deferred-labels'];
/** Namespaces whose key is the repository's full name. */
const PER_REPO = ['flow-good', 'flow-good-text', 'digest-issue'];
const IDS = 'repo-id';
const FORMER = 'repo-former';

export class RepoMoves {
  constructor(private readonly store: Pick<Store, 'kvGet' | 'kvSet' | 'kvList' | 'kvDelete'>) {}

  /**
   * Record that repository `id` is called `fullName` now; returns the former name when it was called otherwise
   * (its state has been moved to the new name by then).
   */
  async observe(id: number | undefined, fullName: string): Promise<string | undefined> {
    if (!id) return undefined;
    const known = await this.store.kvGet(IDS, String(id));
    if (known === fullName) return undefined;
    if (known) await this.move(known, fullName);
    await this.store.kvSet(IDS, String(id), fullName);
    return known;
  }

  /** Whether `name` is (or was, before a rename or transfer) the repository now called `current`. */
  async sameRepo(name: string, current: string): Promise<boolean> {
    let at = name;
    for (let hops = 0; hops < 10; hops++) {
      if (at.toLowerCase() === current.toLowerCase()) return true;
      const next = await this.store.kvGet(FORMER, at.toLowerCase());
      if (!next) return false;
      at = next;
    }
    return false;
  }

  private async move(from: string, to: string): Promise<void> {
    for (const ns of PER_ISSUE)
      for (const { key, value } of await this.store.kvList(ns)) {
        if (!key.toLowerCase().startsWith(`${from.toLowerCase()}#`)) continue;
        await this.store.kvSet(ns, `${to}${key.slice(from.length)}`, ns === 'run' ? renamed(value, to) : value);
        await this.store.kvDelete(ns, key);
      }
    for (const ns of PER_REPO) {
      const v = await this.store.kvGet(ns, from);
      if (v === undefined) continue;
      await this.store.kvSet(ns, to, v);
      await this.store.kvDelete(ns, from);
    }
    await this.store.kvSet(FORMER, from.toLowerCase(), to);
  }
}

/** A stored run copy under its repository's new name. */
function renamed(json: string, repo: string): string {
  try {
    return JSON.stringify({ ...(JSON.parse(json) as object), repo });
  } catch {
    return json;
  }
}
