// A burst of real, signed deliveries across many issues (each issue walking a label-driven flow, with noise
// comments in between), and the audit of the outcome: right stage, zero duplicate effects, zero lost transitions,
// per-issue order kept. Shared by the scale-out test and `npm run bench -- durability`.
import type { Sandbox } from '../../src/sandbox/index.js';
import type { Store } from '../../src/store/types.js';
import { auditIssue } from './audit.js';
import { BOT } from './child.js';

export const BURST_FLOW = `version: 1
name: burst
trigger: flow:burst
roles:
  pm: alice
  dev: bob
  reviewer: carol
stages:
  - { id: spec, owner: pm, enter: [assign], on: [{ event: issue.labeled, label: "spec:ready", to: build }] }
  - { id: build, owner: dev, enter: [assign], on: [{ event: issue.labeled, label: "built", to: review }] }
  - { id: review, owner: reviewer, enter: [assign], on: [{ event: issue.labeled, label: "approved", to: done }] }
  - { id: done, final: true }
`;

/** The labels each issue gets, in order, and the stage each one moves the run to. */
export const STEPS: Array<{ label: string; to: string }> = [
  { label: 'flow:burst', to: 'spec' },
  { label: 'spec:ready', to: 'build' },
  { label: 'built', to: 'review' },
  { label: 'approved', to: 'done' },
];

/** Issues to burst on, created with no webhook receiver yet (their `opened` deliveries are not part of the burst). */
export function createIssues(sandbox: Sandbox, repo: string, n: number): number[] {
  const url = sandbox.webhookUrl;
  sandbox.webhookUrl = undefined;
  const out = Array.from(
    { length: n },
    (_, i) => sandbox.createIssue({ title: `burst ${i}`, body: 'load', by: 'alice', repo }).number,
  );
  sandbox.webhookUrl = url;
  return out;
}

/**
 * Queue `perIssue` user actions on every issue, interleaved across issues (round-robin), without waiting for Baton:
 * the flow's labels in order plus plain comments. Returns how many user deliveries were sent.
 */
export function sendBurst(sandbox: Sandbox, repo: string, issues: number[], perIssue: number): number {
  const noise = perIssue - STEPS.length;
  if (noise < 0) throw new Error(`perIssue must be at least ${STEPS.length}`);
  // Spread the noise between the labels so each label has comments before and after it.
  const plan: Array<{ label?: string; comment?: string }> = [];
  for (let i = 0, c = 0; i < STEPS.length; i++) {
    plan.push({ label: STEPS[i]!.label });
    const k = Math.floor(noise / STEPS.length) + (i < noise % STEPS.length ? 1 : 0);
    for (let j = 0; j < k; j++) plan.push({ comment: `progress note ${++c}` });
  }
  const before = sandbox.deliveries().length;
  for (const step of plan) {
    for (const n of issues) {
      if (step.label) sandbox.labelIssue(n, step.label, { by: 'alice', repo });
      else sandbox.comment(n, step.comment!, { by: 'bob', repo });
    }
  }
  return sandbox.deliveries().length - before;
}

export interface BurstAudit {
  issues: number;
  /** Issues whose run is not in its final stage. */
  wrongStage: number[];
  /** Extra cards, duplicate marked comments, and extra stage labels, summed over issues. */
  duplicates: number;
  /** Expected transitions missing from the store (and from the cards). */
  lost: number;
  /** Issues whose card history is not the order the sandbox sent the labels in. */
  outOfOrder: number[];
  transitions: number;
  details: string[];
}

export async function auditBurst(sandbox: Sandbox, repo: string, issues: number[], store: Store): Promise<BurstAudit> {
  const expected = STEPS.map((s) => s.to);
  const out: BurstAudit = {
    issues: issues.length,
    wrongStage: [],
    duplicates: 0,
    lost: 0,
    outOfOrder: [],
    transitions: 0,
    details: [],
  };
  const transitions = await store.transitions({ repo });
  const byIssue = new Map<number, number>();
  for (const t of transitions) byIssue.set(t.issue, (byIssue.get(t.issue) ?? 0) + 1);
  for (const n of issues) {
    const a = auditIssue(sandbox, repo, n, BOT);
    // A second card is counted once (as a card, not again as a comment whose marker repeats).
    const repeated = a.duplicateComments.filter((m) => !m.startsWith('baton:card '));
    const dupes = Math.max(0, a.cards - 1) + repeated.length + Math.max(0, a.stageLabels.length - 1);
    out.duplicates += dupes;
    if (dupes)
      out.details.push(
        `#${n}: cards=${a.cards} dupes=${a.duplicateComments.join(',')} labels=${a.stageLabels.join(',')}`,
      );
    if (a.run?.stage !== 'done') out.wrongStage.push(n);
    const history = a.run?.history.map((h) => h.to) ?? [];
    if (history.join('>') !== expected.join('>')) {
      out.outOfOrder.push(n);
      out.details.push(`#${n}: history ${history.join('>') || '(none)'}`);
    }
    const recorded = byIssue.get(n) ?? 0;
    out.transitions += recorded;
    out.lost += Math.max(0, expected.length - recorded);
    out.duplicates += Math.max(0, recorded - expected.length);
  }
  return out;
}

/**
 * The same burst, but each issue's deliveries reach Baton in a shuffled order (GitHub does not promise order, and
 * retries and redeliveries reorder): the user actions happen in flow order on GitHub, their webhooks are held back,
 * then sent with each issue's own deliveries permuted (issues still interleaved round-robin).
 */
export async function sendShuffledBurst(
  sandbox: Sandbox,
  repo: string,
  issues: number[],
  perIssue: number,
  random: () => number,
): Promise<number> {
  const url = sandbox.webhookUrl;
  sandbox.webhookUrl = undefined;
  const before = sandbox.deliveries().length;
  const sent = sendBurst(sandbox, repo, issues, perIssue);
  await sandbox.settled();
  sandbox.webhookUrl = url;
  const held = sandbox.deliveries().slice(before);
  const byIssue = new Map<number, string[]>();
  for (const d of held) {
    const n = Number((d.payload as { issue?: { number?: number } }).issue?.number);
    byIssue.set(n, [...(byIssue.get(n) ?? []), d.id]);
  }
  for (const ids of byIssue.values())
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
  const order: string[] = [];
  for (let k = 0; k < perIssue; k++) for (const n of issues) if (byIssue.get(n)?.[k]) order.push(byIssue.get(n)![k]!);
  await Promise.all(order.map((id) => sandbox.redeliver(id)));
  return sent;
}

/** What a person does to each issue while Baton works on it (none of it is Baton's to undo). */
const PERSON_EDITS = ['label urgent', 'unlabel triage', 'assign dave', 'unassign erin'] as const;

export interface PersonAtWork {
  /** Apply what the person has not done yet (at the end, so every issue got every edit). */
  finish(): void;
  /** Edits GitHub shows undone at the end: each one is a user change Baton reverted. */
  reverted(): number;
  applied: number;
  racing: number;
}

/**
 * A person editing labels and assignees of every issue while Baton works: the issues start with `triage` and `erin`
 * (set before the burst), and each time Baton reads an issue the person does the next edit on it with probability
 * 1/2 — between Baton's read and its writes, the window where a whole-list write would undo it.
 */
export function personAtWork(sandbox: Sandbox, repo: string, issues: number[], random: () => number): PersonAtWork {
  const url = sandbox.webhookUrl;
  sandbox.webhookUrl = undefined;
  for (const n of issues) {
    sandbox.labelIssue(n, 'triage', { by: 'dave', repo });
    sandbox.assign(n, ['erin'], { by: 'dave', repo });
  }
  sandbox.webhookUrl = url;
  const next = new Map(issues.map((n) => [n, 0]));
  const route = /\/issues\/(\d+)$/;
  const edit = (n: number) => {
    const k = next.get(n) ?? PERSON_EDITS.length;
    if (k >= PERSON_EDITS.length) return;
    next.set(n, k + 1);
    const o = { by: 'dave', repo };
    const what = PERSON_EDITS[k];
    if (what === 'label urgent') sandbox.labelIssue(n, 'urgent', o);
    if (what === 'unlabel triage') sandbox.unlabelIssue(n, 'triage', o);
    if (what === 'assign dave') sandbox.assign(n, ['dave'], o);
    if (what === 'unassign erin') sandbox.unassign(n, ['erin'], o);
    p.applied++;
  };
  const p: PersonAtWork = {
    applied: 0,
    racing: 0,
    finish() {
      sandbox.http.onAnswer = undefined;
      for (const n of issues) while ((next.get(n) ?? 0) < PERSON_EDITS.length) edit(n);
    },
    reverted() {
      let bad = 0;
      for (const n of issues) {
        const i = sandbox.issue(n, repo);
        bad += Number(!i.labels.includes('urgent')) + Number(i.labels.includes('triage'));
        bad += Number(!i.assignees.includes('dave')) + Number(i.assignees.includes('erin'));
      }
      return bad;
    },
  };
  sandbox.http.onAnswer = (a) => {
    if (a.method !== 'GET' || a.route !== '/repos/{owner}/{repo}/issues/{issue_number}') return;
    const n = Number(route.exec(a.path)?.[1]);
    if ((next.get(n) ?? PERSON_EDITS.length) >= PERSON_EDITS.length || random() >= 0.5) return;
    p.racing++;
    edit(n);
  };
  return p;
}
