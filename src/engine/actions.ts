// Handlers of the stage-entry actions, one per name in src/flow/actions.ts (the type makes a missing one an error).
import type { ActionConfig } from '../flow/schema.js';
import type { ActionName } from '../flow/actions.js';
import type { Stage } from '../flow/types.js';
import { roleOf, type Owners } from './owners.js';
import { MAX_ASSIGNEES, type DecisionScope, type DocsOptions } from './scope.js';
import { renderTemplate } from './template.js';

type ObjectAction = Exclude<ActionConfig, string>;
/** The value of an action written as a map (`{ comment: … }`), or undefined for the bare word. */
type ArgOf<K extends ActionName> = ObjectAction extends infer A ? (A extends Record<K, infer V> ? V : never) : never;

type Handler<K extends ActionName> = (
  s: DecisionScope,
  arg: ArgOf<K> | undefined,
  stage: Stage,
  owners: Owners,
) => void;

export const ACTION_HANDLERS: { [K in ActionName]: Handler<K> } = {
  assign(s, _arg, stage, owners) {
    if (owners.users.length)
      s.push({
        kind: 'assign',
        key: s.key('assign'),
        issue: s.run.issue,
        users: owners.users.slice(0, MAX_ASSIGNEES),
        ...ownerRole(s, stage),
      });
  },
  request_review(s, role, stage, owners) {
    if (role === undefined) s.requestReview(owners, ownerRole(s, stage).role);
    else s.requestReview(roleOf(s.flow, role), role);
  },
  risk(s) {
    s.riskTasks();
  },
  docs(s, options?: DocsOptions) {
    s.docsTasks(options);
  },
  comment(s, body, stage, owners) {
    if (body === undefined) return;
    s.push({
      kind: 'comment',
      key: s.key('comment'),
      issue: s.run.issue,
      body: renderTemplate(body, s.vars(stage, owners)),
    });
  },
  label(s, change) {
    for (const l of change?.remove ?? [])
      s.push({ kind: 'label.remove', key: s.key(`unlabel:${l}`), issue: s.run.issue, label: l });
    if (change?.add?.length)
      s.push({ kind: 'label.add', key: s.key('labels'), issue: s.run.issue, labels: change.add });
  },
};

/** The stage owner's role name when the owner is a role (not `@login` or an author): named in refusals. */
function ownerRole(s: DecisionScope, stage: Stage): { role?: string } {
  return stage.owner && s.flow.roles[stage.owner] ? { role: stage.owner } : {};
}

/** Run one `enter:` action. */
export function runAction(s: DecisionScope, action: ActionConfig, stage: Stage, owners: Owners): void {
  if (typeof action === 'string') return ACTION_HANDLERS[action](s, undefined, stage, owners);
  for (const name of Object.keys(action) as ActionName[]) {
    const handler = ACTION_HANDLERS[name] as Handler<ActionName>;
    handler(s, (action as Record<string, unknown>)[name] as never, stage, owners);
  }
}
