// The stage-entry actions Baton knows (`enter:`), with what each does. The zod schema takes its names and
// descriptions from here and the engine's handlers (src/engine/actions.ts) are typed by these names, so an action
// is added in these two places and nowhere else.
export const ACTION_DOCS = {
  assign: { word: 'assign the stage owner to the issue' },
  request_review: {
    word: "request the owner's review on linked PRs",
    object: 'Request review on linked PRs from this role (instead of the owner).',
  },
  risk: { word: 'risk-assess linked PRs' },
  docs: { word: 'write docs when the linked PR merges' },
  comment: {
    object:
      'Post this comment once per stage entry. Placeholders: `{{owner}}`, `{{stage}}`, `{{issue}}`, `{{author}}`, `{{pr}}`.',
  },
  label: { object: 'Add and/or remove issue labels on entry.' },
} as const;

export type ActionName = keyof typeof ACTION_DOCS;

/** Actions written as a bare word (`- risk`). */
export const WORD_ACTIONS = ['assign', 'request_review', 'risk', 'docs'] as const satisfies readonly ActionName[];

export const WORD_ACTIONS_DESCRIPTION = `${WORD_ACTIONS.map((a) => `\`${a}\`: ${ACTION_DOCS[a].word}`).join('; ')}.`;
