// Label events that arrived before the stage they move on. GitHub does not promise delivery order (and a redelivery
// or a retry can shuffle an issue's events), so a run cannot follow arrival order alone: a `built` label delivered
// while the run is still in `spec` is remembered here, and once the run reaches a stage that moves on `built`, the
// worker replays it — provided GitHub shows the label on the issue now (a label removed meanwhile is forgotten; its
// re-add sends a new webhook). A label event consumed by a transition is in the run's `seen` list and is dropped.
import type { Flow } from '../flow/types.js';
import type { BatonEvent } from '../engine/types.js';
import type { Store } from '../store/types.js';

type LabelEvent = Extract<BatonEvent, { type: 'issue.labeled' | 'issue.unlabeled' }>;

const NS = 'deferred-labels';
/** More than any flow has label transitions; oldest dropped first. */
const LIMIT = 50;

/** Labels that some stage's `issue.labeled` transition names (the trigger starts runs and is not one of them). */
export function transitionLabels(flow: Flow): Set<string> {
  const out = new Set<string>();
  for (const s of flow.stages) for (const t of s.on) if (t.event === 'issue.labeled' && t.label) out.add(t.label);
  out.delete(flow.trigger);
  return out;
}

export class DeferredLabels {
  constructor(private readonly store: Store) {}

  private async read(key: string): Promise<LabelEvent[]> {
    const raw = await this.store.kvGet(NS, key);
    return raw ? (JSON.parse(raw) as LabelEvent[]) : [];
  }

  private async write(key: string, list: LabelEvent[]): Promise<void> {
    if (list.length) await this.store.kvSet(NS, key, JSON.stringify(list.slice(-LIMIT)));
    else await this.store.kvDelete(NS, key);
  }

  /** Remember a label event of an issue (idempotent by event id). */
  async remember(key: string, ev: LabelEvent): Promise<void> {
    const list = await this.read(key);
    if (list.some((e) => e.id === ev.id)) return;
    list.push(ev);
    list.sort((a, b) => a.at.localeCompare(b.at));
    await this.write(key, list);
  }

  /** The remembered events not yet consumed (not in `seen`), oldest first. */
  async pending(key: string, seen: string[]): Promise<LabelEvent[]> {
    const list = await this.read(key);
    const left = list.filter((e) => !seen.includes(e.id));
    if (left.length !== list.length) await this.write(key, left);
    return left;
  }

  async forget(key: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.write(
      key,
      (await this.read(key)).filter((e) => !ids.includes(e.id)),
    );
  }

  async clear(key: string): Promise<void> {
    await this.store.kvDelete(NS, key);
  }
}
