// Webhook payloads with GitHub's real shape: the @octokit/webhooks-examples example for the event+action is the
// template, and the sandbox overwrites every field it knows from its own state (repository, sender, installation,
// issue, pull_request, ...). Keys it does not know stay as in the example, so the shape never loses a field.
import { createRequire } from 'node:module';

type Json = Record<string, unknown>;

interface WebhookDefinition {
  name: string;
  actions: string[];
  examples: Json[];
}

let definitions: Map<string, WebhookDefinition> | undefined;
const templates = new Map<string, Json>();

function load(): Map<string, WebhookDefinition> {
  if (!definitions) {
    // Loaded lazily (4 MB of JSON) and through require because it is a JSON package.
    const defs = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];
    definitions = new Map(defs.map((d) => [d.name, d]));
  }
  return definitions;
}

/**
 * The example used as the template for `event`/`action`: one delivered to an App (has `installation`) when there is
 * one, then the one with the fewest top-level keys (the plainest case), never a tag push. `hasExactExample` tells whether
 * the example really is for that action.
 */
export function exampleFor(event: string, action?: string): Json {
  const key = `${event}.${action ?? ''}`;
  const hit = templates.get(key);
  if (hit) return hit;
  const def = load().get(event);
  if (!def) throw new Error(`sandbox: no webhook example for event "${event}" in @octokit/webhooks-examples`);
  const usable = def.examples.filter((e) => !(event === 'push' && String(e.ref).startsWith('refs/tags/')));
  // Some actions have no example (e.g. issues.closed): any example of the event has the same shape around `action`.
  const exact = usable.filter((e) => !action || e.action === action);
  const candidates = exact.length ? exact : usable.filter((e) => !('changes' in e));
  if (candidates.length === 0)
    throw new Error(`sandbox: no webhook example for "${event}.${action}" in @octokit/webhooks-examples`);
  const score = (e: Json) => ('installation' in e ? 0 : 1000) + Object.keys(e).length;
  const best = [...candidates].sort((a, b) => score(a) - score(b))[0]!; // candidates is not empty
  templates.set(key, best);
  return best;
}

export function hasExactExample(event: string, action?: string): boolean {
  const def = load().get(event);
  return !!def?.examples.some((e) => !action || e.action === action);
}

/** The example's top-level keys overwritten by `fields` (action first, as GitHub orders it). */
export function buildPayload(event: string, action: string | undefined, fields: Json): Json {
  const template = exampleFor(event, action);
  const out: Json = action ? { action } : {};
  for (const [k, v] of Object.entries(template)) {
    if (k === 'action' || k === 'enterprise' || k in fields) continue;
    out[k] = structuredClone(v);
  }
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}
