import { createHash } from 'node:crypto';

/** What the page needs to know about where it lives; embedded as JSON, never executed. */
export interface FleetPageConfig {
  /** `/admin/fleet/data`. */
  dataUrl: string;
  /** A bot's job in bull-board is `jobBase + id`. */
  jobBase: string;
  /** A bot in the API is `apiBase + id` (`GET /v1/bots/:id`, with an API key). */
  apiBase: string;
  /** bull-board's start page. */
  boardUrl: string;
  pollMs: number;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; color: #1d2433; background: #f6f7f9; }
header { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; padding: .8rem 0; }
h1 { font-size: 1.3rem; margin: 0; } h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
#status.error { color: #b00020; font-weight: 600; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 0 1.5rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
th { font-weight: 600; font-size: .8rem; color: #5a6270; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.state { display: inline-block; padding: 0 .4rem; border-radius: .6rem; background: #e3e6eb; font-size: .8rem; }
.state.in_meeting { background: #c8efd4; } .state.rejoining, .state.reconnecting { background: #ffe0a6; }
.state.ended, .state.leaving { background: #d9d9d9; } .state.queued, .state.scheduled { background: #dbe7ff; }
.silent { color: #b00020; font-weight: 600; }
.meeting { margin-bottom: .8rem; } .meeting h3 { font-size: .95rem; margin: .6rem 0 .2rem; }
.muted { color: #5a6270; } svg.spark { vertical-align: middle; }
input#filter { font: inherit; padding: .2rem .4rem; width: 22rem; }
a { color: #1a56c4; }
`;

/**
 * The page's script: polls `dataUrl` every `pollMs` with the last stream cursor, so changes between
 * two polls are listed too (a `rejoining` of 200 ms included), and renders with textContent only:
 * display names are callers' text.
 */
const SCRIPT = String.raw`
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('fleet-config').textContent);
  var cursor = null;
  var changes = [];
  var last = null;
  var rendered = '';
  var filterInput = document.getElementById('filter');
  var initial = new URLSearchParams(location.search).get('q');
  if (initial) filterInput.value = initial;
  filterInput.addEventListener('input', function () { if (last) render(last); });

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'className') node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }
  function td(text, className) { return el('td', { text: String(text), className: className || '' }); }
  function stateBadge(state) { return el('span', { className: 'state ' + state, text: state, 'data-state': state }); }
  function spark(points) {
    var ns = 'http://www.w3.org/2000/svg';
    var w = 120, h = 22, max = Math.max.apply(null, points.concat([1]));
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('class', 'spark'); svg.setAttribute('width', w); svg.setAttribute('height', h);
    var line = document.createElementNS(ns, 'polyline');
    line.setAttribute('fill', 'none'); line.setAttribute('stroke', '#1a56c4'); line.setAttribute('stroke-width', '1.5');
    line.setAttribute('points', points.map(function (v, i) {
      return ((i * (w - 2)) / Math.max(1, points.length - 1) + 1).toFixed(1) + ',' + (h - 2 - (v * (h - 4)) / max).toFixed(1);
    }).join(' '));
    svg.appendChild(line);
    return svg;
  }
  function sum(points) { return points.reduce(function (a, b) { return a + b; }, 0); }
  function links(id) {
    var span = el('span', {});
    span.appendChild(el('a', { href: cfg.jobBase + encodeURIComponent(id), text: 'job', 'data-link': 'job' }));
    span.appendChild(document.createTextNode(' · '));
    span.appendChild(el('a', { href: cfg.apiBase + encodeURIComponent(id), text: 'API', 'data-link': 'api',
      title: 'GET /v1/bots/:id (needs an API key)' }));
    return span;
  }
  function ago(ms) { return ms < 1000 ? 'now' : Math.round(ms / 1000) + ' s ago'; }
  function megabytes(bytes) { return bytes === null || bytes === undefined ? '—' : Math.round(bytes / 1048576) + ' MB'; }
  function replace(id, node) { var old = document.getElementById(id); node.id = id; old.replaceWith(node); }
  function matches(term, bot) {
    if (!term) return true;
    var digits = term.replace(/\s+/g, '');
    return bot.id.indexOf(term) >= 0 || (digits && bot.meetingNumber.indexOf(digits) >= 0) ||
      bot.displayName.toLowerCase().indexOf(term.toLowerCase()) >= 0 || (bot.worker || '').indexOf(term) >= 0;
  }

  function renderStates(data) {
    var body = el('tbody');
    Object.keys(data.counts).forEach(function (state) {
      var points = data.history.states[state];
      var endsPerMinute = state === 'ended' ? Object.keys(data.history.ends).reduce(function (acc, reason) {
        return acc.map(function (v, i) { return v + data.history.ends[reason][i]; });
      }, new Array(data.history.states.queued.length).fill(0)) : null;
      body.appendChild(el('tr', { 'data-state': state }, [
        el('td', {}, [stateBadge(state)]),
        el('td', { className: 'num', id: 'count-' + state, text: String(data.counts[state]) }),
        el('td', {}, [points ? spark(points) : spark(endsPerMinute)]),
        td(state === 'ended' ? 'views kept; line: ends a minute' : 'last hour', 'muted'),
      ]));
    });
    replace('states', el('table', {}, [el('thead', {}, [el('tr', {}, [el('th', { text: 'State' }),
      el('th', { text: 'Bots' }), el('th', { text: 'Last hour' }), el('th')])]), body]));
  }
  function renderReasons(id, series, empty) {
    var reasons = Object.keys(series).sort(function (a, b) { return sum(series[b]) - sum(series[a]); });
    var body = el('tbody');
    reasons.forEach(function (reason) {
      body.appendChild(el('tr', { 'data-reason': reason }, [td(reason), td(sum(series[reason]), 'num'),
        el('td', {}, [spark(series[reason])])]));
    });
    if (reasons.length === 0) body.appendChild(el('tr', {}, [td(empty, 'muted')]));
    replace(id, el('table', {}, [el('thead', {}, [el('tr', {}, [el('th', { text: 'Reason' }),
      el('th', { text: 'Last hour' }), el('th', { text: 'A minute' })])]), body]));
  }
  function renderWorkers(data) {
    var byId = {};
    data.meetings.forEach(function (m) { m.bots.forEach(function (bot) { byId[bot.id] = bot; }); });
    var body = el('tbody');
    data.workers.forEach(function (w) {
      var bots = el('td', {});
      w.bots.forEach(function (id, i) {
        var bot = byId[id];
        if (i) bots.appendChild(document.createTextNode(', '));
        bots.appendChild(el('a', { href: cfg.jobBase + encodeURIComponent(id), text: bot ? bot.displayName : id,
          'data-bot-id': id }));
        if (bot) bots.appendChild(document.createTextNode(' (' + bot.state + ')'));
      });
      body.appendChild(el('tr', { 'data-worker': w.name }, [
        el('td', {}, [el('span', { text: w.name, className: w.silent ? 'silent' : '' }),
          el('div', { className: 'muted', text: w.silent ? 'silent' : (w.host || '') + ' pid ' + (w.pid || '') })]),
        bots,
        td(w.slots === undefined ? '—' : w.freeSlots + ' of ' + w.slots + (w.accepting === false ? ' (not taking)' : ''), 'num'),
        td(megabytes(w.chromiumBytes), 'num'),
        td(w.warmPages === null || w.warmPages === undefined ? '—' : w.warmPages, 'num'),
        td(ago(w.beatAgeMs), w.silent ? 'silent' : ''),
      ]));
    });
    if (data.workers.length === 0) body.appendChild(el('tr', {}, [td('no worker has beaten in the last 5 minutes', 'muted')]));
    replace('workers', el('table', {}, [el('thead', {}, [el('tr', {}, ['Worker', 'Bots', 'Free slots',
      'Chromium memory', 'Warm pages', 'Last heartbeat'].map(function (t) { return el('th', { text: t }); }))]), body]));
  }
  function renderMeetings(data) {
    var term = filterInput.value.trim();
    var box = el('div');
    var shown = 0;
    data.meetings.forEach(function (m) {
      var bots = m.bots.filter(function (bot) { return matches(term, bot); });
      if (bots.length === 0) return;
      shown += bots.length;
      var body = el('tbody');
      bots.forEach(function (bot) {
        body.appendChild(el('tr', { 'data-bot-id': bot.id, 'data-state': bot.state }, [
          el('td', {}, [el('strong', { text: bot.displayName }), el('div', { className: 'muted', text: bot.id })]),
          el('td', {}, [stateBadge(bot.state)]),
          td(bot.tenant || ''),
          td(bot.worker || '—'),
          td(bot.rejoins, 'num'),
          td(new Date(bot.updatedAt).toLocaleTimeString()),
          el('td', {}, [links(bot.id)]),
        ]));
      });
      box.appendChild(el('section', { className: 'meeting', 'data-meeting': m.meetingNumber }, [
        el('h3', { text: 'Meeting ' + m.meetingNumber + ' · ' + m.bots.length + ' bot' + (m.bots.length === 1 ? '' : 's') }),
        el('table', {}, [el('thead', {}, [el('tr', {}, ['Bot', 'State', 'Tenant', 'Worker', 'Rejoins', 'Changed', 'Links']
          .map(function (t) { return el('th', { text: t }); }))]), body]),
      ]));
    });
    if (shown === 0) box.appendChild(el('p', { className: 'muted', text: term ? 'No live bot matches.' : 'No live bots.' }));
    replace('meetings', box);
  }
  function renderChanges() {
    var list = el('tbody');
    changes.forEach(function (c) {
      list.appendChild(el('tr', { 'data-bot-id': c.botId, 'data-state': c.state }, [
        td(new Date(c.at).toLocaleTimeString()),
        el('td', {}, [el('a', { href: cfg.jobBase + encodeURIComponent(c.botId), text: c.displayName })]),
        el('td', {}, [stateBadge(c.state), document.createTextNode(c.reason ? ' ' + c.reason : '')]),
        td(c.meetingNumber),
      ]));
    });
    replace('changes', el('table', {}, [el('thead', {}, [el('tr', {}, ['When', 'Bot', 'Now', 'Meeting']
      .map(function (t) { return el('th', { text: t }); }))]), list]));
  }
  function render(data) {
    var key = JSON.stringify([data.counts, data.history, data.meetings, data.workers, filterInput.value]);
    if (key !== rendered) {
      rendered = key;
      renderStates(data);
      renderReasons('ends', data.history.ends, 'No bot ended in the last hour.');
      renderReasons('rejoins', data.history.rejoins, 'No rejoin in the last hour.');
      renderWorkers(data);
      renderMeetings(data);
    }
    renderChanges();
  }

  function poll() {
    var url = cfg.dataUrl + (cursor ? '?since=' + encodeURIComponent(cursor) : '');
    var status = document.getElementById('status');
    var delay = cfg.pollMs;
    fetch(url, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(function (data) {
        cursor = data.changes.cursor;
        changes = data.changes.changes.slice().reverse().concat(changes).slice(0, 100);
        if (data.changes.more) delay = 100;
        last = data;
        render(data);
        status.className = '';
        status.textContent = 'Updated ' + new Date(data.at).toLocaleTimeString() + ' (read in ' + data.readMs + ' ms)';
      })
      .catch(function (error) {
        status.className = 'error';
        status.textContent = 'Not updating: ' + error.message + ' (retrying)';
      })
      .finally(function () { setTimeout(poll, delay); });
  }
  poll();
})();
`;

function hash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * Only this page's own script and style run; it talks to its own origin only. Names on the page are
 * callers' text, rendered with textContent; the policy is there in case that ever slips.
 */
export const FLEET_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The fleet page: static HTML, filled in by its script from `dataUrl`. */
export function fleetPageHtml(config: FleetPageConfig): string {
  // `<` escaped, so nothing in the JSON can close the script element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fleet · zoom-bot-runner</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Fleet</h1>
  <span id="status" class="muted">Loading…</span>
  <a href="${config.boardUrl}">Jobs (bull-board)</a>
  <label>Find <input id="filter" type="search" placeholder="bot id, meeting number, name or worker"></label>
</header>
<div class="panels">
  <section><h2>Bots by state</h2><div id="states"></div></section>
  <section><h2>Ends by reason</h2><div id="ends"></div></section>
  <section><h2>Rejoins by reason</h2><div id="rejoins"></div></section>
</div>
<h2>Workers</h2><div id="workers"></div>
<h2>Recent changes</h2><div id="changes"></div>
<h2>Meetings</h2><div id="meetings"></div>
<script type="application/json" id="fleet-config">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
