// The router bench's scripted models. Each model of the default tier table has a capability level: on an item at
// or below it the model is right with probability 0.96, above it that probability falls by 2.6 per unit of
// difficulty. A wrong answer is one of: plausible-wrong (another risk level, a wrong trend), missing a fact
// (a flagged path, an export, a described concern, a removed API), naming a file that does not exist, an invented
// number, or invalid (broken JSON / schema). Which, and whether, is a seeded hash of (model, item), so every policy
// meets the same world. Verbosity and thinking tokens are per model; thinking grows with difficulty and shares
// max output tokens with the answer (an answer that does not fit comes back truncated, as real ones do).
// The levels are assumptions of this bench, not measurements of the real models: what the bench can show is
// whether routing keeps quality at lower cost on a world where quality depends on model and item.
import { createHash } from 'node:crypto';
import { filesOutside, missing, numbersOf, numbersOutside, pathsIn } from '../../src/llm/checks.js';
import type { DocsAnswer } from '../../src/tasks/docs/run.js';
import type { RiskNarrative } from '../../src/tasks/risk/narrative.js';
import type { DigestItem, DocsItem, RiskItem, SetItem } from './generate.js';

export interface ModelTraits {
  capability: number;
  /** Filler sentences per answer, relative. */
  verbosity: number;
  /**
   * Thinking / reasoning tokens on a risk item of difficulty 0.7 (× (0.3 + difficulty) in general): thinking is on by
   * default for Gemini 3 and the GPT-5 family, and the Pro models spend thousands of tokens on analytic prompts.
   */
  thinking: number;
}

export const MODELS: Readonly<Record<string, ModelTraits>> = {
  'openai/gpt-5.4-nano': { capability: 0.22, verbosity: 1, thinking: 150 },
  'gemini/gemini-3.1-flash-lite': { capability: 0.28, verbosity: 1.5, thinking: 250 },
  'openai/gpt-5.4-mini': { capability: 0.48, verbosity: 1, thinking: 300 },
  'gemini/gemini-3-flash-preview': { capability: 0.55, verbosity: 1.2, thinking: 600 },
  'openai/gpt-5.4': { capability: 0.76, verbosity: 1, thinking: 800 },
  'gemini/gemini-3.1-pro-preview': { capability: 0.82, verbosity: 1.1, thinking: 1300 },
};

const TASK_THINKING = { risk: 1, docs: 0.8, digest: 0.25 } as const;

/** A uniform number in [0, 1) from the hash of its parts: the world's only randomness. */
function unit(...parts: string[]): number {
  return createHash('sha256').update(parts.join('\0')).digest().readUInt32BE(0) / 2 ** 32;
}

export function pCorrect(capability: number, difficulty: number): number {
  return difficulty <= capability ? 0.96 : Math.max(0.03, 0.96 - 2.6 * (difficulty - capability));
}

export type Outcome =
  | 'correct'
  | 'wrong-level'
  | 'omit-path'
  | 'omit-concern'
  | 'invented-file'
  | 'omit-export'
  | 'omit-breaking'
  | 'invented-number'
  | 'wrong-trend'
  | 'omit-number'
  | 'invalid';

export function outcome(model: string, item: SetItem): Outcome {
  const t = MODELS[model];
  if (!t) throw new Error(`the bench world has no traits for ${model}`);
  if (unit(model, item.id, 'right') < pCorrect(t.capability, item.difficulty)) return 'correct';
  const u = unit(model, item.id, 'kind');
  if (item.task === 'risk') {
    const k =
      u < 0.3
        ? 'wrong-level'
        : u < 0.45
          ? 'omit-path'
          : u < 0.6
            ? 'invented-file'
            : u < 0.8
              ? 'omit-concern'
              : 'invalid';
    if (k === 'omit-path' && !item.truth.mustName.length) return 'wrong-level';
    if (k === 'omit-concern' && !item.truth.concern) return 'invented-file';
    return k;
  }
  if (item.task === 'docs') {
    const k = u < 0.35 ? 'omit-export' : u < 0.55 ? 'invented-file' : u < 0.8 ? 'omit-breaking' : 'invalid';
    return k === 'omit-breaking' && !item.truth.removed ? 'omit-export' : k;
  }
  return u < 0.3 ? 'invented-number' : u < 0.55 ? 'wrong-trend' : u < 0.8 ? 'omit-number' : 'invalid';
}

export function thinkingTokens(model: string, item: SetItem): number {
  const t = MODELS[model]!;
  return Math.round(t.thinking * ((0.3 + item.difficulty) / 1.0) * TASK_THINKING[item.task]);
}

const FILLER = [
  'The change follows the existing structure of the module.',
  'Nothing else in the public surface moves.',
  'The tests in the pull request exercise the new path.',
  'Reviewers familiar with this area should have no trouble with it.',
];
function filler(model: string, item: SetItem): string {
  const n = Math.round(MODELS[model]!.verbosity * (1 + 3 * item.difficulty));
  return Array.from({ length: n }, (_, i) => FILLER[i % FILLER.length]).join(' ');
}

const OTHER_LEVEL = { low: 'medium', medium: 'high', high: 'medium' } as const;

function riskAnswer(model: string, item: RiskItem, o: Outcome, batonLevel: string): unknown {
  const t = item.truth;
  const paths = o === 'omit-path' ? t.mustName.slice(1) : t.mustName;
  const concern = o === 'omit-concern' ? undefined : t.concern;
  // A plausible wrong level: Baton's own when it differs from the truth, else a neighbour.
  const level = o === 'wrong-level' ? (batonLevel !== t.level ? batonLevel : OTHER_LEVEL[t.level]) : t.level;
  const concerns: RiskNarrative['concerns'] = paths.map((p) => ({
    text: `Changed ${p}: check it with its owner.`,
    file: p,
  }));
  if (concern) concerns.push({ text: `Possible ${concern} introduced by this change.` });
  if (o === 'invented-file') concerns.push({ text: 'Helpers changed as well.', file: 'src/shared/helpers.ts' });
  const answer: RiskNarrative = {
    level: level as RiskNarrative['level'],
    summary: `${item.title}: ${level} risk. ${concern ? `Watch for a ${concern}. ` : ''}${filler(model, item)}`.slice(
      0,
      2000,
    ),
    concerns: concerns.slice(0, 10),
    what_to_test: ['Run the affected flow end to end.'],
    reviewer_focus: paths.length ? [`The flagged paths: ${paths.slice(0, 3).join(', ')}`] : ['The largest hunks.'],
  };
  if (o === 'invalid') return unit(model, item.id, 'inv') < 0.5 ? { ...answer, concerns: 'none' } : 'broken';
  return answer;
}

function docsAnswer(model: string, item: DocsItem, o: Outcome): unknown {
  const t = item.truth;
  const exports = o === 'omit-export' && t.exports.length ? t.exports.slice(0, -1) : t.exports;
  const breaking = t.removed && o !== 'omit-breaking' ? `Breaking: removes ${t.removed}.` : '';
  const answer: DocsAnswer = {
    changelog_entry: `Add ${exports.slice(0, 2).join(' and ') || 'helpers'} (#${item.number})`,
    summary:
      `${exports.length ? `Adds ${exports.join(', ')}.` : 'Updates internals.'} ${breaking} ${filler(model, item)}`.slice(
        0,
        1500,
      ),
    what_changed: [
      ...exports.slice(0, 8).map((e) => `New \`${e}\``),
      ...(o === 'invented-file' ? ['Touches src/shared/helpers.ts'] : []),
    ],
    why: 'Requested in the linked issue.',
    how_to_use: exports.length ? `Import ${exports[0]} from its module.` : '',
  };
  if (o === 'invalid') return unit(model, item.id, 'inv') < 0.5 ? { ...answer, what_changed: 3 } : 'broken';
  return answer;
}

function digestAnswer(item: DigestItem, o: Outcome): string {
  const f = item.facts;
  if (o === 'invalid') return '';
  const finished = o === 'invented-number' ? f.current.finished + 3 : f.current.finished;
  const trend = o === 'wrong-trend' ? (item.truth.trend === 'faster' ? 'slower' : 'faster') : item.truth.trend;
  const risks = o === 'omit-number' ? '' : ` ${f.risksCaught} high-risk changes were caught before merge.`;
  return `In ${f.week} the team finished ${finished} runs; the median cycle time was ${f.current.medianCycleHours}h, ${trend} than the week before.${risks}`;
}

/** The text a model answers for an item; `batonLevel` is the level Baton's scorer gave (what a model may echo). */
export function answerText(
  model: string,
  item: SetItem,
  batonLevel: string,
  maxTokens: number,
  count: (s: string) => number,
): string {
  const o = outcome(model, item);
  const a =
    item.task === 'risk'
      ? riskAnswer(model, item, o, batonLevel)
      : item.task === 'docs'
        ? docsAnswer(model, item, o)
        : digestAnswer(item, o);
  let text = typeof a === 'string' ? (a === 'broken' ? '{"summary": "The change' : a) : JSON.stringify(a);
  // Thinking and the answer share max output tokens: what does not fit is cut off mid-answer.
  const room = maxTokens - thinkingTokens(model, item);
  if (count(text) > room)
    text = text.slice(0, Math.max(0, Math.floor((text.length * Math.max(0, room)) / count(text)) - 1));
  return text;
}

/** The bench's judge: does an answer meet the item's truths? (Offline answers are scored 0 by the caller.) */
export function judge(item: SetItem, answer: { text: string; data?: unknown }): boolean {
  if (item.task === 'digest') {
    const text = answer.text;
    return (
      !!text.trim() &&
      item.truth.numbers.every((n) =>
        new RegExp(`(?<![\\d.])${String(n).replace('.', '\\.')}(?![\\d]|\\.\\d)`).test(text),
      ) &&
      text.includes(item.truth.trend) &&
      numbersOutside(text, numbersOf(item.facts)) === undefined
    );
  }
  let data = answer.data as Record<string, unknown> | undefined;
  if (!data) {
    try {
      data = JSON.parse(answer.text);
    } catch {
      return false;
    }
  }
  if (!data || typeof data !== 'object') return false;
  if (item.task === 'risk') {
    const d = data as RiskNarrative;
    if (d.level !== item.truth.level || !Array.isArray(d.concerns)) return false;
    const prose = [
      d.summary,
      ...d.concerns.map((c) => `${c.text} ${c.file ?? ''}`),
      ...(d.what_to_test ?? []),
      ...(d.reviewer_focus ?? []),
    ].join('\n');
    return (
      missing(prose, item.truth.mustName, 'path') === undefined &&
      (!item.truth.concern || prose.includes(item.truth.concern)) &&
      filesOutside([...d.concerns.flatMap((c) => (c.file ? [c.file] : [])), ...pathsIn(prose)], item.truth.files) ===
        undefined
    );
  }
  const d = data as DocsAnswer;
  if (!Array.isArray(d.what_changed)) return false;
  const prose = [d.changelog_entry, d.summary, ...d.what_changed, d.why, d.how_to_use].join('\n');
  return (
    missing(prose, item.truth.exports, 'export') === undefined &&
    (!item.truth.removed || (prose.includes(item.truth.removed) && /breaking/i.test(prose))) &&
    filesOutside(pathsIn(prose), item.truth.files) === undefined
  );
}
