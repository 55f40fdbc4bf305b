// Scoring with a team's fitted model (risk.model in flow.yml): the model gives the score and the level; the plain
// reasons are the default scorer's descriptions of the metrics (also of those it does not weigh itself), ordered by
// how much each pushed this model's score.
import { contributions, modelScore, type Feature, type RiskModel } from './model.js';
import { describeMetrics, levelFor, type RiskScore, type ScoreInput, type Thresholds } from './score.js';

/** Which reason text (by its opening words) describes each feature. */
const REASON_OF: Partial<Record<Feature, RegExp>> = {
  ns: /^spans /,
  entropy: /^changes spread/,
  fix: /^bug-fix/,
  ndev: /changed by .* developer/,
  nuc: /prior change/,
  age: /changed recently/,
  exp: /repository$/,
  sexp: /touched subsystems/,
  sensitive: /sensitive path/,
  deps: /dependency manifest/,
  untested: /no test changed/,
};

export function scoreWithModel(model: RiskModel, m: ScoreInput, thresholds: Partial<Thresholds> = {}): RiskScore {
  const score = Math.round(modelScore(model, m) * 1000) / 1000;
  // The model's own `high` (set at its share flagged) unless flow.yml / the flag says otherwise.
  const th = { medium: Math.min(model.high, 0.4), high: model.high, ...thresholds };
  const described = describeMetrics(m);
  const [size, ...rest] = described;
  const weight = new Map<string, number>();
  for (const c of contributions(model, m)) {
    const re = REASON_OF[c.feature];
    const reason = re && rest.find((r) => re.test(r));
    if (reason && c.value > 0.05) weight.set(reason, (weight.get(reason) ?? 0) + c.value);
  }
  const reasons = [size!, ...[...weight].sort((a, b) => b[1] - a[1]).map(([r]) => r)].slice(0, 5);
  return { score, level: levelFor(score, th), reasons };
}
