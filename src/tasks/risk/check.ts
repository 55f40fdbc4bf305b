// The risk answer's own check: its level is the one Baton's scorer computed, it names the sensitive paths and
// dependency manifests Baton found, and every file it names is in the diff.
import { changeDifficulty, filesOutside, firstProblem, missing, pathsIn } from '../../llm/checks.js';
import type { ChangeMetrics } from './metrics.js';
import type { RiskNarrative } from './narrative.js';
import type { RiskScore } from './score.js';

export interface RiskFacts {
  level: RiskScore['level'];
  files: readonly string[];
  /** Paths a good answer must name: the sensitive paths and dependency manifests Baton found. */
  mustName: readonly string[];
}

export function riskFacts(m: ChangeMetrics, s: RiskScore, files: readonly string[]): RiskFacts {
  return { level: s.level, files, mustName: [...new Set([...(m.sensitive ?? []), ...(m.deps ?? [])])].slice(0, 8) };
}

export function riskCheck(f: RiskFacts) {
  return ({ data }: { text: string; data?: RiskNarrative }): string | undefined => {
    if (!data) return 'no structured answer';
    if (data.level !== f.level) return `level ${data.level ?? '(none)'} disagrees with Baton's ${f.level}`;
    const prose = [
      data.summary,
      ...data.concerns.map((c) => `${c.text} ${c.file ?? ''}`),
      ...data.what_to_test,
      ...data.reviewer_focus,
    ].join('\n');
    return firstProblem(
      filesOutside([...data.concerns.flatMap((c) => (c.file ? [c.file] : [])), ...pathsIn(prose)], f.files),
      missing(prose, f.mustName, 'the flagged path'),
    );
  };
}

export function riskDifficulty(m: ChangeMetrics, s: RiskScore): number {
  return changeDifficulty({ lines: m.la + m.ld, dirs: m.nd, entropy: m.entropy, level: s.level });
}
