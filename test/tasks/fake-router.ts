// Small LlmRouter stand-ins: offline, scripted answers, and a model that "obeys" an injection.
import type { LlmRequest, LlmResult, LlmRouter } from '../../src/llm/types.js';
import type { Flow } from '../../src/flow/types.js';
import type { RunState } from '../../src/engine/types.js';
import { RISK_DEFAULTS, type RiskConfig } from '../../src/tasks/risk/config-schema.js';

export class FakeRouter implements LlmRouter {
  requests: LlmRequest<any>[] = [];
  constructor(
    private readonly answer: ((req: LlmRequest<any>) => unknown) | undefined,
    readonly offlineOnly = answer === undefined,
  ) {}

  async run<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
    this.requests.push(req);
    if (!this.answer) {
      const data = req.offline();
      return {
        text: typeof data === 'string' ? data : JSON.stringify(data),
        data: typeof data === 'string' ? undefined : data,
        provider: 'offline',
        model: 'baton-offline',
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
        cached: false,
        offline: true,
        notes: ['no provider configured'],
      };
    }
    const a = this.answer(req);
    // Like a router that passes provider JSON through: the task must not trust it.
    return {
      text: typeof a === 'string' ? a : JSON.stringify(a),
      data: typeof a === 'string' ? undefined : (a as T),
      provider: 'openai',
      model: 'gpt-test',
      tokensIn: 1000,
      tokensOut: 200,
      costUsd: 0.0123,
      cached: false,
      offline: false,
      notes: [],
    };
  }
}

export function testFlow(risk: RiskConfig = {}, docs?: { changelog: string; pr: boolean }): Flow {
  return {
    version: 1,
    name: 'feature',
    trigger: 'flow:feature',
    roles: { senior: { users: ['sam', 'dev'], teams: ['acme/leads'] }, dev: { users: ['dev'], teams: [] } },
    stages: [
      { id: 'build', name: 'Build', enter: ['risk'], on: [], final: false },
      { id: 'done', name: 'Done', enter: docs ? [{ docs }] : ['docs'], on: [], final: true },
    ],
    // What normalizeFlow gives: the section with its defaults applied.
    risk: { ...RISK_DEFAULTS, ...risk },
    llm: {},
    digest: {},
    sources: ['.github/flow.yml'],
  };
}

export function testRun(issue = 7, stage = 'build'): RunState {
  return {
    v: 1,
    repo: 'acme/app',
    issue,
    issueAuthor: 'pm',
    flow: 'feature',
    stage,
    status: 'active',
    startedAt: '2026-11-01T00:00:00Z',
    enteredAt: '2026-11-01T00:00:00Z',
    owners: [],
    prs: [],
    history: [],
    seen: [],
    nudged: [],
    spendUsd: 0,
  };
}
