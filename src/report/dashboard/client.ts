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
  <div class="filters">
    <label>Repository <select id="repo"><option value="">All repositories</option></select></label>
    <label>Period <select id="since"></select></label>
  </div>
  <span id="status" role="status"></span>
</header>
<main>
  <section id="tiles" aria-label="Key figures"></section>
  <section class="charts">
    <figure><figcaption id="caption-stage">Time in stage (median and p90)</figcaption><div class="chart-box"><canvas id="chart-stage"></canvas></div><p class="empty" id="stage-empty" hidden>No run left a stage in this period.</p></figure>
    <figure><figcaption id="caption-trend">Median cycle time per week</figcaption><div class="chart-box"><canvas id="chart-trend"></canvas></div><p class="empty" id="trend-empty" hidden>No run finished in these weeks.</p></figure>
    <figure><figcaption>AI spend by model (USD)</figcaption><div class="chart-box"><canvas id="chart-spend"></canvas></div><p class="empty" id="spend-empty" hidden>No AI spend in this period: every answer came from the offline rules or the cache.</p></figure>
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
* { box-sizing: border-box; }
body { margin: 0; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .75rem 1.5rem; background: #24292f; color: #fff; }
header h1 { font-size: 1.2rem; margin: 0; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; min-width: 0; }
.filters label { display: flex; align-items: center; gap: .4rem; min-width: 0; }
header select { max-width: 100%; min-width: 0; }
#status { margin-left: auto; font-size: .85rem; opacity: .8; }
main { padding: 1rem 1.5rem; }
#tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: .75rem; }
.tile { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem .8rem; min-width: 0; }
.tile .label { font-size: .75rem; color: #57606a; }
.tile .value { font-size: 1.3rem; font-weight: 600; }
.tile .sub, .tile .trend { font-size: .75rem; color: #57606a; }
.tile .trend.good { color: #1a7f37; } .tile .trend.bad { color: #cf222e; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(320px, 100%), 1fr)); gap: .75rem; margin: 1rem 0; }
figure { margin: 0; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem; min-width: 0; }
/* A fixed-height, relatively positioned box: chart.js's responsive mode needs it or the canvas keeps growing. */
.chart-box { position: relative; height: 240px; }
.chart-box[hidden] { display: none; }
.empty { color: #57606a; font-size: .9rem; margin: 0; padding: 2rem 1rem; text-align: center; }
figcaption { font-size: .85rem; font-weight: 600; margin-bottom: .4rem; }
h2 { font-size: 1.1rem; }
/* Columns scroll on their own, so a stage with 100 runs does not make the page 3,600 px tall. */
#board { display: flex; gap: .75rem; overflow-x: auto; align-items: flex-start; padding-bottom: .5rem; }
.column { flex: 1 1 0; min-width: 170px; max-width: 320px; max-height: 70vh; display: flex; flex-direction: column; background: #eaeef2; border-radius: 6px; padding: .5rem; }
.column h3 { font-size: .9rem; margin: 0 0 .5rem; display: flex; gap: .5rem; justify-content: space-between; align-items: center; }
.column .count { background: #d0d7de; border-radius: 999px; padding: 0 .5rem; font-size: .75rem; }
.column .cards { overflow-y: auto; min-height: 0; }
.column.folded { flex: 0 0 8rem; min-width: 0; }
.column.folded .cards, .column.folded .more { display: none; }
.column.cancelled { background: #f3f4f6; border: 1px dashed #d0d7de; }
.column .toggle { font: inherit; font-size: .75rem; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .2rem .5rem; cursor: pointer; width: 100%; }
.column .none { font-size: .8rem; color: #57606a; margin: 0; }
.card { display: block; width: 100%; text-align: left; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .4rem .5rem; margin-bottom: .4rem; cursor: pointer; font: inherit; color: inherit; }
.card:hover, .card:focus { border-color: #0969da; outline: none; }
.card .title { font-size: .85rem; overflow: hidden; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow-wrap: anywhere; }
.card .num { color: #57606a; }
.card .meta { font-size: .75rem; color: #57606a; margin-top: .15rem; overflow-wrap: anywhere; }
.card.risk-high { border-left: 4px solid #cf222e; }
.more { font-size: .75rem; color: #57606a; }
#timeline { position: fixed; top: 0; right: 0; width: min(460px, 100%); height: 100%; overflow-y: auto; background: #fff; border-left: 1px solid #d0d7de; box-shadow: -4px 0 12px rgba(0,0,0,.1); padding: 1rem; }
#timeline h2 { overflow-wrap: anywhere; }
#timeline ol { padding-left: 1.2rem; }
#timeline li { margin-bottom: .6rem; }
#timeline .when { font-size: .75rem; color: #57606a; }
#timeline button.close { float: right; }
/* A phone: the header wraps, figures two to a row, and the board's columns stack, each still scrolling alone. */
@media (max-width: 640px) {
  header { padding: .6rem 1rem; gap: .4rem 1rem; }
  .filters { gap: .4rem 1rem; }
  #status { margin-left: 0; width: 100%; }
  main { padding: .75rem; }
  #tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .5rem; }
  .chart-box { height: 200px; }
  #board { flex-direction: column; align-items: stretch; overflow-x: visible; }
  .column, .column.folded { flex: none; max-width: none; width: auto; max-height: 60vh; }
}
`;

export const CLIENT_JS = `(function () {
  'use strict';
  var charts = {};
  window.batonCharts = charts;
  var params = new URLSearchParams(location.search);
  var state = { repo: params.get('repo') || '', since: params.get('since') || '30d' };
  /** Folded columns the reader opened (by stage), kept across reloads of the data. */
  var opened = {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  // One unit per figure: a figure (a pair of tiles, a chart) picks hours or days from its largest value, and every
  // number in it, trends included, uses that unit.
  function unitFor(values) {
    var max = 0;
    values.forEach(function (v) { if (typeof v === 'number' && Math.abs(v) > max) max = Math.abs(v); });
    return max >= 48 ? { name: 'days', short: 'd', per: 24 } : { name: 'hours', short: 'h', per: 1 };
  }
  function inUnit(u) {
    return function (h) { return h === null || h === undefined ? '–' : (h / u.per).toFixed(1) + ' ' + u.short; };
  }
  /** A duration in words, for a card or a timeline step: "12 minutes", "5 hours", "3 days". */
  function span(h) {
    if (h === null || h === undefined) return '–';
    var n, w;
    if (h < 1) { n = Math.max(1, Math.round(h * 60)); w = 'minute'; }
    else if (h < 48) { n = Math.round(h); w = 'hour'; }
    else { n = Math.round(h / 24); w = 'day'; }
    return n + ' ' + w + (n === 1 ? '' : 's');
  }
  function usd(v) { return v === null || v === undefined ? '–' : v === 0 ? '$0' : '$' + (Math.abs(v) < 1 ? v.toFixed(4) : v.toFixed(2)); }
  function share(v) { return v === null || v === undefined ? '–' : Math.round(v * 100) + '%'; }
  function points(v) { return Math.round(v * 100) + ' pts'; }
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

  function tile(label, value, tr, lowerIsBetter, fmt, sub) {
    var t = el('div', 'tile');
    t.appendChild(el('div', 'label', label));
    t.appendChild(el('div', 'value', value));
    if (sub) t.appendChild(el('div', 'sub', sub));
    if (tr && tr.delta !== null) {
      var good = lowerIsBetter === null || tr.delta === 0 ? '' : ((tr.delta < 0) === lowerIsBetter ? ' good' : ' bad');
      var pct = tr.pct === null ? '' : ' (' + (tr.pct > 0 ? '+' : '') + tr.pct.toFixed(0) + '%)';
      t.appendChild(el('div', 'trend' + good, (tr.delta > 0 ? '+' : '') + fmt(tr.delta) + pct + ' vs previous'));
    }
    return t;
  }

  function renderTiles(k) {
    var c = k.report.overall.current, t = k.report.overall.trends, s = k.report.overall.spend.current;
    var cycle = inUnit(unitFor([c.cycleTime.median, c.cycleTime.p90]));
    var box = document.getElementById('tiles');
    box.replaceChildren(
      tile('Runs started', c.runsStarted, t.runsStarted, null, plain),
      tile('Runs finished', c.runsFinished, t.runsFinished, false, plain),
      tile('Cycle time (median)', cycle(c.cycleTime.median), t.cycleTimeMedianHours, true, cycle),
      tile('Cycle time (p90)', cycle(c.cycleTime.p90), t.cycleTimeP90Hours, true, cycle),
      tile('Hand-offs', c.handOffs, t.handOffs, true, plain),
      tile('Bounce-backs', c.bounceBacks, t.bounceBacks, true, plain),
      tile('Defect escapes', c.defectEscapes, t.defectEscapes, true, plain, c.defectDensity === null ? undefined : plain(c.defectDensity) + ' per 1k changed lines'),
      tile('Flow compliance', share(c.flowCompliance), t.flowCompliance, false, points, c.mergedPrs ? c.mergedThroughRun + ' of ' + c.mergedPrs + ' merged PRs through a run' : undefined),
      tile('High-risk flagged', c.highRisk.flagged, t.highRiskFlagged, null, plain, c.highRisk.done + ' done · ' + c.highRisk.open + ' open'),
      tile('AI spend', usd(s.usd), t.spendUsd, true, usd),
      tile('$ per 1k tokens', usd(s.usdPer1kTokens), t.usdPer1kTokens, true, usd)
    );
  }

  /** Draws a chart, or says why there is none: empty axes tell a reader nothing. */
  function chart(id, config, empty) {
    if (charts[id]) { charts[id].destroy(); delete charts[id]; }
    var canvas = document.getElementById('chart-' + id);
    canvas.parentElement.hidden = empty;
    document.getElementById(id + '-empty').hidden = !empty;
    if (empty) return;
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
    charts[id] = new window.Chart(canvas, config);
  }
  function scaled(values, u) { return values.map(function (v) { return v === null ? null : Number((v / u.per).toFixed(2)); }); }
  function hasData(values) { return values.some(function (v) { return v !== null && v !== undefined; }); }

  function renderCharts(k) {
    var su = unitFor(k.stageChart.p90.concat(k.stageChart.median));
    document.getElementById('caption-stage').textContent = 'Time in stage (' + su.name + ', median and p90)';
    chart('stage', {
      type: 'bar',
      data: { labels: k.stageChart.labels, datasets: [
        { label: 'median', data: scaled(k.stageChart.median, su), backgroundColor: '#0969da' },
        { label: 'p90', data: scaled(k.stageChart.p90, su), backgroundColor: '#8c959f' }
      ] },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: su.name } } } }
    }, !hasData(k.stageChart.median));
    var tu = unitFor(k.trend.median);
    document.getElementById('caption-trend').textContent = 'Median cycle time per week (' + tu.name + ')';
    chart('trend', {
      type: 'line',
      data: { labels: k.trend.labels, datasets: [{ label: 'median cycle time', data: scaled(k.trend.median, tu), borderColor: '#1a7f37', backgroundColor: '#1a7f37', spanGaps: true }] },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: tu.name } } } }
    }, !hasData(k.trend.median));
    chart('spend', {
      type: 'bar',
      data: { labels: k.spend.labels, datasets: [{ label: 'USD', data: k.spend.usd, backgroundColor: '#bf8700' }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false } } }
    }, k.spend.labels.length === 0);
  }

  function renderCard(r, repos) {
    var card = el('button', 'card' + (r.risk === 'high' ? ' risk-high' : ''));
    card.type = 'button';
    card.dataset.repo = r.repo;
    card.dataset.issue = String(r.issue);
    var title = el('div', 'title');
    title.appendChild(el('span', 'num', (repos > 1 ? r.repo : '') + '#' + r.issue + ' '));
    title.appendChild(document.createTextNode(r.title || r.flow + ' run'));
    card.appendChild(title);
    if (r.title) card.title = r.title;
    var age = r.status === 'done' ? 'took ' + span(r.ageHours) : r.status === 'cancelled' ? 'stopped in ' + r.stage + ' after ' + span(r.ageHours) : span(r.ageHours) + ' so far';
    var meta = [r.owners.length ? r.owners.join(', ') : 'nobody', age];
    if (r.bounceBacks) meta.push('↩ ' + r.bounceBacks);
    if (r.risk === 'high') meta.push('high risk');
    if (r.source) meta.push('via API: ' + r.source);
    card.appendChild(el('div', 'meta', meta.join(' · ')));
    card.addEventListener('click', function () { openTimeline(r.repo, r.issue); });
    return card;
  }

  function renderBoard(b) {
    var box = document.getElementById('board');
    box.replaceChildren();
    if (!b.columns.length) { box.appendChild(el('p', 'empty', 'No runs in this period. Label an issue to start one.')); return; }
    var repos = {};
    b.columns.forEach(function (col) { col.runs.forEach(function (r) { repos[r.repo] = true; }); });
    var nRepos = state.repo && state.repo.slice(-2) !== '/*' ? 1 : Object.keys(repos).length;
    b.columns.forEach(function (col) {
      var foldable = col.kind !== 'active';
      var c = el('section', 'column ' + col.kind);
      c.dataset.stage = col.stage;
      c.dataset.kind = col.kind;
      var h = el('h3');
      h.appendChild(el('span', 'name', col.stage));
      h.appendChild(el('span', 'count', col.count));
      c.appendChild(h);
      var cards = el('div', 'cards');
      if (!col.runs.length) cards.appendChild(el('p', 'none', col.kind === 'active' ? 'Nothing here.' : 'None yet.'));
      col.runs.forEach(function (r) { cards.appendChild(renderCard(r, nRepos)); });
      if (foldable && col.count > 0) {
        // Finished and cancelled runs are history: folded until asked for, so the work in flight gets the room.
        var toggle = el('button', 'toggle');
        toggle.type = 'button';
        var set = function (open) {
          c.classList.toggle('folded', !open);
          toggle.setAttribute('aria-expanded', String(open));
          toggle.textContent = open ? 'Hide' : 'Show ' + col.count;
        };
        set(!!opened[col.stage]);
        toggle.addEventListener('click', function () { opened[col.stage] = !opened[col.stage]; set(opened[col.stage]); });
        c.appendChild(toggle);
      }
      c.appendChild(cards);
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
        var extra = (e.what || e.event + ' by ' + e.by) + (e.owners.length ? '; owners ' + e.owners.join(', ') : '') + (e.pr ? '; PR #' + e.pr : '') + (e.risk ? '; risk ' + e.risk : '');
        li.appendChild(el('div', 'detail', extra));
        var when = el('time', 'when', new Date(e.at).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' + (e.hoursInPrevious !== null ? ' · ' + span(e.hoursInPrevious) + ' after the previous step' : ''));
        when.dateTime = e.at;
        li.appendChild(when);
        list.appendChild(li);
      });
      panel.replaceChildren(close, el('h2', '', t.repo + '#' + t.issue + (t.title ? ' ' + t.title : '')), list);
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
      (m.orgs || []).forEach(function (g) { var o = el('option', '', 'All repositories of ' + g); o.value = g + '/*'; repoSel.appendChild(o); });
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
