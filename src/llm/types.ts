// The router's contract with the tasks that use it (risk, docs, digest).
import type { z } from 'zod';
import type { Tier } from './config-schema.js';

export interface LlmRequest<T = unknown> {
  task: string; // 'risk' | 'docs' | 'digest' | …
  /** Overrides `llm.tasks.<task>.tier` (Baton's own tasks leave it unset so flow.yml decides). */
  tier?: Tier;
  /** Instructions written by Baton (trusted). */
  system: string;
  /** Untrusted material, already redacted and framed as data by the task. */
  prompt: string;
  /** A lower bound than `llm.tasks.<task>.max_output_tokens` for this one request (never a higher one). */
  maxOutputTokens?: number;
  /** When set, the model must answer JSON that this schema accepts; failures cascade/fall back. */
  schema?: z.ZodType<T>;
  /**
   * The task's own check of a schema-valid answer against what Baton computed (risk level, files in the diff,
   * changed exports): returns why the answer is wrong, or undefined. A failed check is a failed validation.
   */
  check?: (answer: { text: string; data?: T }) => string | undefined;
  /** 0 (easy) … 1 (hard), estimated by the task before the call; adaptive routing starts at the tier it calls for. */
  difficulty?: number;
  /** Who pays: budgets and the ledger. */
  org: string;
  repo: string;
  issue?: number;
  pr?: number;
  /** Deterministic, free answer used when no provider can (or may) answer. */
  offline: () => T | string;
}

export interface LlmResult<T = unknown> {
  text: string;
  data?: T;
  provider: string;
  model: string;
  /** Billed tokens of the answer returned (0 for a cache hit or offline). */
  tokensIn: number;
  tokensOut: number;
  /** USD this run() spent in all, including answers that failed validation before an escalation; 0 for a cache hit. */
  costUsd: number;
  cached: boolean;
  offline: boolean;
  /** Why the router did not use its first choice, in order ('fallback: 500 from openai/gpt-4o-mini', …). */
  notes: string[];
  /**
   * Set when no answer passed the task's check and this is the schema-valid answer of the highest tier tried:
   * why the check refused it. The caller decides whether to show it.
   */
  unverified?: string;
  /** Provider calls this run() made (0 for a cache hit or offline). */
  calls?: number;
}

export interface LlmRouter {
  run<T>(req: LlmRequest<T>): Promise<LlmResult<T>>;
  /** True when no provider key is configured: the card says offline mode is on. */
  readonly offlineOnly: boolean;
}
