// The LLM router and the risk/docs tasks, loaded on first use: most events decide and write without them, and the
// tokenizer and provider SDKs are most of the bundle, so a job that needs no LLM does not pay for loading them
// (the bundle splits at these imports).
import type { Flow } from '../flow/types.js';
import type { LlmRouter } from '../llm/types.js';
import type { Store } from '../store/types.js';
import type { TaskRunners } from '../tasks/effect.js';
import type { ActionInputs } from './inputs.js';

export function lazyRouter(o: { store: Store; config: Flow['llm']; llm: ActionInputs['llm'] }): LlmRouter {
  let real: Promise<LlmRouter> | undefined;
  const load = () => {
    real ??= import('../llm/router.js').then((m) => m.createRouter(o));
    return real;
  };
  return {
    // The router's own rule: offline when no provider has a key.
    get offlineOnly() {
      return !o.llm.openai.apiKey && !o.llm.gemini.apiKey;
    },
    async run(req) {
      return (await load()).run(req);
    },
  };
}

export const lazyTasks: TaskRunners = {
  risk: async (ctx) => (await import('../tasks/risk/run.js')).runRiskTask(ctx),
  docs: async (ctx) => (await import('../tasks/docs/run.js')).runDocsTask(ctx),
};
