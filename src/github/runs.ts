// Reads and writes a run's state on GitHub: the status card's hidden block is the source of truth. The store keeps
// the card's comment id (to read it with one conditional request) and a copy of the last state written (to rebuild a
// card a user deleted). With an empty store, the card is found by its marker among the issue's comments.
import type { RunState } from '../engine/types.js';
import type { Store } from '../store/types.js';
import { isCard, parseCard } from './card.js';
import type { GitHubPort } from './port.js';
import { RepoMoves } from './repo-moves.js';

export interface RunRead {
  run: RunState | null;
  /** Id of the card comment when it exists. */
  cardId?: number;
  /** The card was missing (deleted) and the state came from the store's copy. */
  restored?: boolean;
  /** The issue had no comment at all when read: there is no card to look for before creating one. */
  noComments?: boolean;
}

export class RunStates {
  constructor(
    private readonly store: Store,
    private readonly botLogin: () => string | undefined,
  ) {}

  private key(repo: string, issue: number): string {
    return `${repo}#${issue}`;
  }

  async read(port: GitHubPort, issue: number): Promise<RunRead> {
    const k = this.key(port.fullName, issue);
    const id = Number(await this.store.kvGet('card', k));
    const moves = new RepoMoves(this.store);
    // A card written before a rename or transfer names the repository's former name: still this issue's run (and
    // from now on under the new name).
    const ours = async (run: RunState | undefined): Promise<RunState | undefined> => {
      if (!run || run.issue !== issue) return undefined;
      if (run.repo !== port.fullName && !(await moves.sameRepo(run.repo, port.fullName))) return undefined;
      return { ...run, repo: port.fullName };
    };
    if (id) {
      const c = await port.getComment(id);
      const run = await ours(c ? parseCard(c.body) : undefined);
      if (run) return { run, cardId: id };
    }
    // No known card (fresh disk) or it vanished: look for it on the issue — unless the issue has no comment at all
    // (a run starting on a new issue, the common case). The issue read is one the job makes anyway (the label check,
    // the label/assignee delta), so asking it first costs nothing: the later reads are 304s.
    const bot = this.botLogin()?.toLowerCase();
    const noComments = !id && (await port.getIssue(issue)).comments === 0;
    const comments = noComments ? [] : await port.listComments(issue);
    const card = comments.filter((c) => isCard(c.body) && (!bot || c.user.login.toLowerCase() === bot)).pop();
    if (card) {
      const run = await ours(parseCard(card.body));
      if (run) {
        await this.store.kvSet('card', k, String(card.id));
        return { run, cardId: card.id };
      }
    }
    // The card was deleted by someone: rebuild it from the last state Baton recorded for this issue — provided that
    // state belongs to this issue as GitHub knows it now (a run that started before the issue was created belongs to
    // an earlier repository of the same name, e.g. a recreated one or a restarted sandbox).
    const copy = await this.store.kvGet('run', k);
    if (copy) {
      const run = await ours(JSON.parse(copy) as RunState);
      const created = Date.parse((await port.getIssue(issue)).created_at);
      if (run && !(Date.parse(run.startedAt) < created)) return { run, restored: true };
    }
    return noComments ? { run: null, noComments } : { run: null };
  }

  /** The bot's card on the issue, found by its marker (newest first), with its state. */
  private async findCard(
    port: GitHubPort,
    issue: number,
  ): Promise<{ id: number; run: RunState | undefined } | undefined> {
    const bot = this.botLogin()?.toLowerCase();
    const card = (await port.listComments(issue))
      .filter((c) => isCard(c.body) && (!bot || c.user.login.toLowerCase() === bot))
      .pop();
    return card ? { id: card.id, run: parseCard(card.body) } : undefined;
  }

  /**
   * Write the card, conditionally: the state version in the card must still be the one this job read (`read`), or
   * another job — a stale copy after a Redis loss, a replica that took over a lease — wrote in between, and writing
   * now would erase its transition. Then this throws StaleRunError and the job's retry decides again from the newer
   * state. GitHub has no conditional comment edit, so the check is a conditional read just before the write (free
   * when nobody changed the card): it closes the window to the time between two requests. A missing card is looked
   * for by its marker before one is created, so an ambiguous create is never posted twice.
   */
  async write(port: GitHubPort, run: RunState, render: (run: RunState) => string, read: RunRead): Promise<number> {
    const k = this.key(port.fullName, run.issue);
    const expected = read.run?.version ?? 0;
    let id = read.cardId;
    const current = id !== undefined ? await port.getComment(id) : undefined;
    let onCard: RunState | undefined = current ? parseCard(current.body) : undefined;
    if (!current && !read.noComments) {
      const found = await this.findCard(port, run.issue);
      id = found?.id;
      onCard = found?.run;
    }
    if (onCard && (onCard.version ?? 0) !== expected)
      throw new StaleRunError(port.fullName, run.issue, expected, onCard.version ?? 0);
    const next: RunState = { ...run, version: expected + 1 };
    const body = render(next);
    if (id !== undefined) {
      const updated = await port.updateComment(id, body);
      if (!updated) id = undefined; // deleted meanwhile: recreate below
    }
    if (id === undefined) {
      const created = await port.createComment(run.issue, body);
      id = created.id;
    }
    await this.store.kvSet('card', k, String(id));
    await this.store.kvSet('run', k, JSON.stringify(next));
    // When Baton last wrote this run (its clock, not the events'): the reconcile sweep skips runs that moved since
    // its previous pass.
    await this.store.kvSet('run-written', k, String(Date.now()));
    return id;
  }
}

/** The card changed since this job read it: the job is retried and decides again from the newer state. */
export class StaleRunError extends Error {
  constructor(repo: string, issue: number, expected: number, found: number) {
    super(
      `the status card of ${repo}#${issue} is at state version ${found}, not the ${expected} this job read: another job wrote it meanwhile; retrying from the newer state`,
    );
  }
}
