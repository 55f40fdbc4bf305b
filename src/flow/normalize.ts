// Resolved, checked flow file → the `Flow` the engine consumes: every default applied, so the engine never has
// to know what flow.yml allows one to leave out.
import type { FlowFile } from './schema.js';
import { durationMs } from './duration.js';
import type { Flow, Role, Stage } from './types.js';
import { RISK_DEFAULTS } from '../tasks/risk/config-schema.js';
import { resolveApiConfig } from '../api/config-schema.js';

export { durationMs };

/** A member containing `/` is an `org/team` slug; a leading `@` on a login is dropped. */
export function normalizeRole(members: string | string[]): Role {
  const role: Role = { users: [], teams: [] };
  for (const raw of Array.isArray(members) ? members : [members]) {
    const m = raw.trim().replace(/^@/, '');
    const list = m.includes('/') ? role.teams : role.users;
    if (!list.includes(m)) list.push(m);
  }
  return role;
}

/** `sources` lists the files the flow came from, base first. */
export function normalizeFlow(file: FlowFile, sources: string[]): Flow {
  const raw = file.stages ?? [];
  const stages: Stage[] = raw.map((s, i) => {
    const on = s.on ?? [];
    const stage: Stage = {
      id: s.id,
      name: s.name ?? s.id,
      enter: s.enter ?? [],
      on,
      // The last stage with nowhere to go is where runs end, even when the author did not say `final: true`.
      final: s.final ?? (i === raw.length - 1 && on.length === 0),
    };
    if (s.owner !== undefined) stage.owner = s.owner;
    if (s.sla !== undefined) stage.slaMs = durationMs(s.sla);
    return stage;
  });
  return {
    version: 1,
    name: file.name ?? file.trigger ?? 'flow',
    trigger: file.trigger ?? '',
    roles: Object.fromEntries(Object.entries(file.roles ?? {}).map(([k, v]) => [k, normalizeRole(v)])),
    stages,
    risk: { ...RISK_DEFAULTS, ...file.risk },
    llm: file.llm ?? {},
    digest: file.digest ?? {},
    ...(file.api ? { api: resolveApiConfig(file.api) } : {}),
    ignoreBots: file.ignore_bots ?? [],
    sources,
  };
}
