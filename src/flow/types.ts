// The resolved flow: what the engine consumes after extends are merged, defaults applied and references checked.
import type { ActionConfig, EventName, TransitionConfig } from './schema.js';
import type { ResolvedRisk } from '../tasks/risk/config-schema.js';
import type { LlmConfig } from '../llm/config-schema.js';
import type { DigestConfig } from '../report/config-schema.js';
import type { ApiConfig } from '../api/config-schema.js';

export interface Role {
  users: string[]; // logins, without '@'
  teams: string[]; // 'org/team' slugs
}

export interface Stage {
  id: string;
  name: string;
  owner?: string; // role name | 'issue.author' | 'pr.author' | '@login'
  slaMs?: number;
  enter: ActionConfig[];
  on: TransitionConfig[];
  final: boolean;
}

export interface Flow {
  version: 1;
  name: string;
  trigger: string;
  roles: Record<string, Role>;
  stages: Stage[];
  /** `risk:` with its defaults applied (RISK_DEFAULTS). */
  risk: ResolvedRisk;
  llm: LlmConfig;
  digest: DigestConfig;
  /** Partner API settings; absent when the flow has no `api:` section (partners may then only read). */
  api?: ApiConfig;
  /** Bots (logins, `[bot]` optional) whose events are ignored. */
  ignoreBots?: string[];
  /** Files the flow was assembled from, child last (for error messages and the card). */
  sources: string[];
}

export type { EventName, TransitionConfig, ActionConfig };

/** A problem found in a flow file, located for `path:line:col: message`. */
export interface FlowProblem {
  path: string;
  line: number; // 1-based
  col: number; // 1-based
  message: string;
  severity: 'error' | 'warning';
}
