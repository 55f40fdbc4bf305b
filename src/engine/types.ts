// The engine's vocabulary: normalised events in, run state, effects out. Pure data, no I/O.

export interface PrRef {
  number: number;
  author: string;
  headSha: string;
  headRef?: string;
  draft?: boolean;
}

interface EventBase {
  /** Content fingerprint: the same GitHub occurrence under two delivery ids has the same id. */
  id: string;
  /** When it happened (ISO 8601). */
  at: string;
  /** Login of whoever caused it. */
  actor: string;
  /** 'owner/repo' */
  repo: string;
  /** The issue the run lives on. */
  issue: number;
  /** The issue's author (owner `issue.author`). */
  issueAuthor?: string;
  delivery?: string;
}

export type BatonEvent =
  | (EventBase & { type: 'issue.labeled' | 'issue.unlabeled'; label: string })
  | (EventBase & { type: 'issue.reopened' })
  | (EventBase & {
      type: 'issue.closed';
      /** GitHub's `state_reason`: `completed`, `not_planned` (absent on older payloads). */
      reason?: string;
      /**
       * The run's PR whose merge closed the issue (its description says "Fixes #N"), when the adapter saw on GitHub
       * that it is merged into the default branch: the close is the merge's doing, not a cancellation.
       */
      closedByMerge?: number;
    })
  | (EventBase & {
      type: 'pr.linked' | 'pr.opened' | 'pr.ready_for_review' | 'pr.synchronize' | 'pr.merged' | 'pr.closed';
      pr: PrRef;
      /** How the PR was tied to the issue, for the card. */
      linkedBy?: 'keyword' | 'branch' | 'command';
    })
  | (EventBase & {
      type: 'review.approved' | 'review.changes_requested' | 'review.commented';
      pr: PrRef;
      reviewer: string;
      /** Logins whose latest review on the PR is an approval (after this review). */
      approvals: string[];
      /** The review's page (`html_url`), linked from the card when it sent the run back. */
      url?: string;
    })
  | (EventBase & {
      type: 'checks.completed';
      pr: PrRef;
      conclusion: string;
      check: string;
      suite: boolean;
      /**
       * Every check run and commit status on the PR's head as GitHub shows it now (the adapter reads them): the run
       * moves when all are complete, not when the first suite finishes. Absent when the adapter could not tell.
       */
      all?: { complete: boolean; conclusion: string; checks: Record<string, string> };
      /**
       * Only the checks the PR's base branch requires (rulesets, branch protection), when the flow asks for them
       * (`required_checks: true`) and the adapter could read them.
       */
      required?: { contexts: string[]; complete: boolean; conclusion: string };
    })
  | (EventBase & {
      type: 'command';
      command: string;
      args: string[];
      commentId: number;
      /** The actor's repository permission, looked up by the adapter for commands only. */
      permission: 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';
      /** Set when the command was written on a PR (so `link` knows which PR). */
      pr?: PrRef;
    })
  | (EventBase & { type: 'sla.tick' })
  | (EventBase & { type: 'task.done'; task: 'risk' | 'docs'; pr: number; result: TaskResult });

export type BatonEventType = BatonEvent['type'];

export interface TaskResult {
  level?: 'low' | 'medium' | 'high';
  score?: number;
  commentUrl?: string;
  commentId?: number;
  diffHash?: string;
  costUsd?: number;
  offline?: boolean;
  checkRunId?: number;
  headSha?: string;
}

export interface HistoryEntry {
  at: string;
  from: string | null; // null on start
  to: string;
  event: string; // event type or 'command:advance'
  by: string;
  kind: 'start' | 'forward' | 'back' | 'manual' | 'done' | 'cancel';
  /** Logins that owned `to`. */
  owners?: string[];
  /** The PR the event was about, for the card's words ("carol requested changes on #2"). */
  pr?: number;
  /** The label, or the checks' conclusion, the event carried. */
  detail?: string;
  /** Where to read more (the review that requested changes). */
  url?: string;
}

export interface LinkedPr {
  number: number;
  author: string;
  headSha: string;
  state: 'open' | 'draft' | 'merged' | 'closed';
  risk?: {
    level: 'low' | 'medium' | 'high';
    score: number;
    commentId?: number;
    diffHash?: string;
    checkRunId?: number;
    seniorApproved?: boolean;
  };
}

export interface RunState {
  v: 1;
  /** State version: +1 on every card write; a job writes only over the version it read (github/runs.ts). */
  version?: number;
  repo: string;
  issue: number;
  issueAuthor: string;
  flow: string; // flow name
  stage: string;
  status: 'active' | 'done' | 'cancelled';
  startedAt: string;
  enteredAt: string;
  owners: string[];
  prs: LinkedPr[];
  history: HistoryEntry[];
  /** Fingerprints of events already decided (bounded), so a redelivery or a duplicate event is a no-op. */
  seen: string[];
  /** Stage entries (`stage@enteredAt`) already nudged for SLA. */
  nudged: string[];
  spendUsd: number;
  offlineMode?: boolean;
  /** Set by the worker when a job is dead-lettered; shown on the card. */
  stuck?: { reason: string; at: string; job: string };
  /** What GitHub refused (skipped effects) and how to fix it, newest last (bounded); shown on the card. */
  skipped?: { at: string; reason: string }[];
  docs?: { pr: number; commentId?: number; followUpPr?: number };
}

/** Effects: what the adapter must make true on GitHub. Each carries a key for exactly-once application. */
export type Effect =
  | { kind: 'label.add'; key: string; issue: number; labels: string[] }
  | { kind: 'label.remove'; key: string; issue: number; label: string }
  /** `role`: the flow role the users came from, so a refusal can say which role to change. */
  | { kind: 'assign'; key: string; issue: number; users: string[]; role?: string }
  | { kind: 'unassign'; key: string; issue: number; users: string[] }
  | { kind: 'review.request'; key: string; pr: number; users: string[]; teams: string[]; role?: string }
  | { kind: 'comment'; key: string; issue: number; body: string }
  /** Acknowledge a command comment with a reaction, where a reply would add nothing. */
  | { kind: 'react'; key: string; commentId: number; content: '+1' }
  | {
      kind: 'check';
      key: string;
      sha: string;
      name: string;
      conclusion: 'success' | 'failure' | 'neutral';
      title: string;
      summary: string;
    }
  | { kind: 'task'; key: string; task: 'risk' | 'docs'; pr: number; options?: Record<string, unknown> }
  | { kind: 'transition'; key: string; entry: HistoryEntry; issue: number }
  | { kind: 'card'; key: string; issue: number };

export type EffectKind = Effect['kind'];

export interface Decision {
  run: RunState | null;
  effects: Effect[];
  /** Why nothing happened, for logs and `/baton status` (e.g. "no transition from review on issue.labeled"). */
  note?: string;
}
