// What a command or an action handler may do to the decision in progress. The Decider implements it; the registries
// (commands.ts, actions.ts) only see this, so adding a command or an action never means editing decide.ts.
import type { Flow, Stage } from '../flow/types.js';
import type { TransitionConfig } from '../flow/schema.js';
import type { Owners } from './owners.js';
import type { BatonEvent, Effect, HistoryEntry, PrRef, RunState } from './types.js';

export type PrEvent = Extract<BatonEvent, { pr: PrRef; type: `pr.${string}` }>;
export type DocsOptions = { changelog: string; pr: boolean };

export interface DecisionScope {
  readonly flow: Flow;
  readonly ev: BatonEvent;
  /** The run being decided (commands and actions only run when there is one). */
  readonly run: RunState;
  stage(): Stage;
  /** Effect key: the event fingerprint + a per-decision counter + `what`. */
  key(what: string): string;
  push(e: Effect): void;
  /** The card must be rewritten. */
  touch(): void;
  /** Append a history entry (bounded) and emit its transition effect. */
  record(entry: HistoryEntry): void;
  move(target: Stage, forced?: 'manual'): void;
  transition(guard: (t: TransitionConfig) => boolean, types?: string[]): string | undefined;
  prEvent(ev: PrEvent): string | undefined;
  /** `role`: the flow role asked, so a refusal can say which role to change. */
  requestReview(who: Owners, role?: string): void;
  riskTasks(only?: number): void;
  docsTasks(options?: DocsOptions, only?: number): void;
  stageHas(name: 'risk' | 'docs'): DocsOptions | true | undefined;
  /** Template variables of a stage entry (`{{owner}}`, `{{stage}}`, …). */
  vars(stage: Stage, owners: Owners): Record<string, string>;
}

/** GitHub's limit of assignees per issue. */
export const MAX_ASSIGNEES = 10;
