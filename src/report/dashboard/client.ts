// The dashboard's page, style and script, served as static text. The page holds no data: the script fetches JSON
// and builds every node with textContent/DOM APIs — never innerHTML — so titles, logins and stage names from the
// store cannot inject markup. (The script avoids template literals so it can live inside this TS string.)

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Baton dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/baton/app.css">
<script src="/baton/chart.js" defer></script>
<script src="/baton/app.js" defer></script>
</head>
<body>
<header>
  <h1>Baton</h1>
  <label>Repository <select id="repo"><option value="">All repositories</option></select></label>
  <label>Period <select id="since"></select></label>
  <span id="status" role="status"></span>
</header>
<main>
  <section id="tiles" aria-label="Key figures"></section>
  <section class="charts">
    <figure><figcaption>Time in stage (hours, median and p90)</figcaption><div class="chart-box"><canvas id="chart-stage"></canvas></div></figure>
    <figure><figcaption>Median cycle time per week (hours)</figcaption><div class="chart-box"><canvas id="chart-trend"></canvas></div></figure>
    <figure><figcaption>AI spend by model (USD)</figcaption><div class="chart-box"><canvas id="chart-spend"></canvas></div><p id="spend-empty" hidden>No AI spend in this period.</p></figure>
  </section>
  <h2>Board</h2>
  <section id="board" aria-label="Runs by current stage"></section>
  <aside id="timeline" hidden aria-label="Run timeline"></aside>
</main>
</body>
</html>
`;

export const CLIENT_CSS = `
:root { font-family: system-ui, sans-serif; color: #1f2328; background: #f6f8fa; }
body { margin: 0; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .75rem 1.5rem; background: #24292f; color: #fff; }
header h1 { font-size: 1.2rem; margin: 0; }
header select { margin-left: .4rem; }
#status { margin-left: auto; font-size: .85rem; opacity: .8; }
main { padding: 1rem 1.5rem; }
#tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: .75rem; }
.tile { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem .8rem; }
.tile .label { font-size: .75rem; color: #57606a; }
.tile .value { font-size: 1.3rem; font-weight: 600; }
.tile .trend { font-size: .75rem; color: #57606a; }
.tile .trend.good { color: #1a7f37; } .tile .trend.bad { color: #cf222e; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: .75rem; margin: 1rem 0; }
figure { margin: 0; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem; }
/* A fixed-height, relatively positioned box: chart.js's responsive mode needs it or the canvas keeps growing. */
.chart-box { position: relative; height: 240px; }
figcaption { font-size: .85rem; font-weight: 600; margin-bottom: .4rem; }
#board { display: flex; gap: .75rem; overflow-x: auto; align-items: flex-start; }
.column { min-width: 210px; max-width: 260px; background: #eaeef2; border-radius: 6px; padding: .5rem; }
.column h3 { font-size: .9rem; margin: 0 0 .5rem; display: flex; justify-content: space-between; }
.card { display: block; width: 100%; text-align: left; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .4rem .5rem; margin-bottom: .4rem; cursor: pointer; font: inherit; }
.card:hover, .card:focus { border-color: #0969da; outline: none; }
.card .meta { font-size: .75rem; color: #57606a; }
.card.risk-high { border-left: 4px solid #cf222e; }
.more { font-size: .75rem; color: #57606a; }
#timeline { position: fixed; top: 0; right: 0; width: min(460px, 100%); height: 100%; overflow-y: auto; background: #fff; border-left: 1px solid #d0d7de; box-shadow: -4px 0 12px rgba(0,0,0,.1); padding: 1rem; box-sizing: border-box; }
#timeline ol { padding-left: 1.2rem; }
#timeline li { margin-bottom: .6rem; }
#timeline .when { font-size: .75rem; color: #57606a; }
#timeline button.close { float: right; }
`;

export const CLIENT_JS = `(function () {
  'use strict';
  var charts = {};
  window.batonCharts = charts;
  var params = new URLSearchParams(location.search);
  var state = { repo: params.get('repo') || '', since: params.get('since') || '30d' };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function hours(h) {
    if (h === null || h === undefined) return '–';
    return h >= 48 ? (h / 24).toFixed(1) + 'd' : h.toFixed(1) + 'h';
  }
  function usd(v) { return v === null || v === undefined ? '–' : '$' + (v < 1 ? v.toFixed(4) : v.toFixed(2)); }
  function plain(v) { return v === null || v === undefined ? '–' : (Number.isInteger(v) ? String(v) : v.toFixed(2)); }
  function api(path, extra) {
    var q = new URLSearchParams({ since: state.since });
    if (state.repo) q.set('repo', state.repo);
    if (extra) Object.keys(extra).forEach(function (k) { q.set(k, extra[k]); });
    return fetch('/baton/api/' + path + '?' + q.toString(), { credentials: 'same-origin' }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
        return body;
      });
    });
  }
  function status(s) { document.getElementById('status').textContent = s; }

  function tile(label, value, tr, lowerIsBetter, fmt) {
    var t = el('div', 'tile');
    t.appendChild(el('div', 'label', label));
    t.appendChild(el('div', 'value', value));
    if (tr && tr.delta !== null) {
      var good = lowerIsBetter === null ? '' : ((tr.delta < 0) === lowerIsBetter ? ' good' : tr.delta === 0 ? '' : ' bad');
      var pct = tr.pct === null ? '' : ' (' + (tr.pct > 0 ? '+' : '') + tr.pct.toFixed(0) + '%)';
      t.appendChild(el('div', 'trend' + good, (tr.delta > 0 ? '+' : '') + fmt(tr.delta) + pct + ' vs previous'));
    }
    return t;
  }

  function renderTiles(k) {
    var c = k.report.overall.current, t = k.report.overall.trends, s = k.report.overall.spend.current;
    var box = document.getElementById('tiles');
    box.replaceChildren(
      tile('Runs started', c.runsStarted, t.runsStarted, null, plain),
      tile('Runs finished', c.runsFinished, t.runsFinished, false, plain),
      tile('Cycle time (median)', hours(c.cycleTime.median), t.cycleTimeMedianHours, true, hours),
      tile('Cycle time (p90)', hours(c.cycleTime.p90), t.cycleTimeP90Hours, true, hours),
      tile('Hand-offs', c.handOffs, t.handOffs, true, plain),
      tile('Bounce-backs', c.bounceBacks, t.bounceBacks, true, plain),
      tile('Defect escapes', c.defectEscapes, t.defectEscapes, true, plain),
      tile('High-risk flagged', c.highRisk.flagged + ' (' + c.highRisk.done + ' done, ' + c.highRisk.open + ' open)', t.highRiskFlagged, null, plain),
      tile('AI spend', usd(s.usd), t.spendUsd, true, usd),
      tile('$ per 1k tokens', usd(s.usdPer1kTokens), t.usdPer1kTokens, true, usd)
    );
  }

  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
    charts[id] = new window.Chart(document.getElementById('chart-' + id), config);
  }

  function renderCharts(k) {
    chart('stage', {
      type: 'bar',
      data: { labels: k.stageChart.labels, datasets: [
        { label: 'median', data: k.stageChart.median, backgroundColor: '#0969da' },
        { label: 'p90', data: k.stageChart.p90, backgroundColor: '#8c959f' }
      ] },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'hours' } } } }
    });
    chart('trend', {
      type: 'line',
      data: { labels: k.trend.labels, datasets: [{ label: 'median cycle time', data: k.trend.median, borderColor: '#1a7f37', backgroundColor: '#1a7f37', spanGaps: true }] },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'hours' } } } }
    });
    document.getElementById('spend-empty').hidden = k.spend.labels.length > 0;
    chart('spend', {
      type: 'bar',
      data: { labels: k.spend.labels, datasets: [{ label: 'USD', data: k.spend.usd, backgroundColor: '#bf8700' }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false } } }
    });
  }

  function renderBoard(b) {
    var box = document.getElementById('board');
    box.replaceChildren();
    if (!b.columns.length) box.appendChild(el('p', '', 'No runs in this period. Label an issue to start one.'));
    b.columns.forEach(function (col) {
      var c = el('div', 'column');
      c.dataset.stage = col.stage;
      var h = el('h3');
      h.appendChild(el('span', '', col.stage));
      h.appendChild(el('span', 'count', col.count));
      c.appendChild(h);
      col.runs.forEach(function (r) {
        var card = el('button', 'card' + (r.risk === 'high' ? ' risk-high' : ''));
        card.type = 'button';
        card.dataset.repo = r.repo;
        card.dataset.issue = String(r.issue);
        card.appendChild(el('div', 'title', r.repo + '#' + r.issue));
        var meta = r.flow + ' · ' + hours(r.ageHours) + (r.owners.length ? ' · ' + r.owners.join(', ') : '') + (r.bounceBacks ? ' · ↩ ' + r.bounceBacks : '') + (r.status !== 'active' ? ' · ' + r.status : '') + (r.source ? ' · via API: ' + r.source : '');
        card.appendChild(el('div', 'meta', meta));
        card.addEventListener('click', function () { openTimeline(r.repo, r.issue); });
        c.appendChild(card);
      });
      if (col.count > col.runs.length) c.appendChild(el('div', 'more', '+' + (col.count - col.runs.length) + ' more'));
      box.appendChild(c);
    });
  }

  function openTimeline(repo, issue) {
    var panel = document.getElementById('timeline');
    panel.hidden = false;
    panel.replaceChildren(el('p', '', 'Loading…'));
    api('run', { repo: repo, issue: String(issue) }).then(function (t) {
      var close = el('button', 'close', 'Close');
      close.type = 'button';
      close.addEventListener('click', function () { panel.hidden = true; });
      var list = el('ol');
      t.entries.forEach(function (e) {
        var li = el('li');
        li.appendChild(el('div', 'step', (e.from ? e.from + ' → ' : '') + e.to + ' (' + e.kind + ')'));
        var extra = e.event + ' by ' + e.by + (e.owners.length ? '; owners ' + e.owners.join(', ') : '') + (e.pr ? '; PR #' + e.pr : '') + (e.risk ? '; risk ' + e.risk : '');
        li.appendChild(el('div', 'detail', extra));
        li.appendChild(el('div', 'when', new Date(e.at).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' + (e.hoursInPrevious !== null ? ' · after ' + hours(e.hoursInPrevious) : '')));
        list.appendChild(li);
      });
      panel.replaceChildren(close, el('h2', '', t.repo + '#' + t.issue), list);
    }).catch(function (e) { panel.replaceChildren(el('p', '', 'Could not load the timeline: ' + e.message)); });
  }

  function load() {
    document.body.dataset.ready = 'false';
    status('Loading…');
    var q = new URLSearchParams();
    if (state.repo) q.set('repo', state.repo);
    q.set('since', state.since);
    history.replaceState(null, '', '/baton?' + q.toString());
    return Promise.all([api('kpis'), api('board')]).then(function (r) {
      renderTiles(r[0]);
      renderCharts(r[0]);
      renderBoard(r[1]);
      status(r[0].report.period.since.slice(0, 10) + ' → ' + r[0].report.period.until.slice(0, 10));
      document.body.dataset.ready = 'true';
    }).catch(function (e) { status('Error: ' + e.message); document.body.dataset.ready = 'error'; });
  }

  function init() {
    var repoSel = document.getElementById('repo'), sinceSel = document.getElementById('since');
    api('meta').then(function (m) {
      m.periods.forEach(function (p) { var o = el('option', '', 'last ' + p); o.value = p; sinceSel.appendChild(o); });
      m.repos.forEach(function (r) { var o = el('option', '', r); o.value = r; repoSel.appendChild(o); });
      repoSel.value = state.repo;
      sinceSel.value = state.since;
      repoSel.addEventListener('change', function () { state.repo = repoSel.value; load(); });
      sinceSel.addEventListener('change', function () { state.since = sinceSel.value; load(); });
      return load();
    }).catch(function (e) { status('Error: ' + e.message); document.body.dataset.ready = 'error'; });
  }
  init();
})();
`;
