import { generateHistory, historyToTransitions } from '/work/main/src/report/history.js';
import { computeKpis } from '/work/main/src/report/kpis.js';
import { buildRuns } from '/work/main/src/report/runs.js';
const t: any[] = [];
for (let i = 0; t.length < 100000; i++) t.push(...historyToTransitions(generateHistory({ repo: 'r/' + (i % 5), end: '2026-06-01T00:00:00Z', days: 365, runs: 3200, seed: i, firstIssue: i * 10000 })));
t.length = 100000;
for (let k = 0; k < 5; k++) {
  let s = performance.now(); const runs = buildRuns(t); const b = performance.now() - s;
  s = performance.now(); computeKpis(t, [], { since: '2025-12-01T00:00:00Z', until: '2026-06-01T00:00:00Z' }); console.log('build', b.toFixed(1), 'full', (performance.now() - s).toFixed(1));
}
