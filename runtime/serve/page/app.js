// mailroom's page: renders the model the server sends over server-sent events (/events).
// Every string from the org (subjects, names, reasons) is hostile text: it goes into the page
// only as textContent, never as HTML.
'use strict';
(() => {
  const STATUS_NAMES = {
    open: 'open',
    in_progress: 'in progress',
    blocked: 'blocked',
    done: 'done',
    cancelled: 'cancelled',
  };
  let model = null;
  /** server clock minus this clock, so ages are measured to the server's time */
  let skew = 0;
  const charts = {};
  const $ = (id) => document.getElementById(id);

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k.startsWith('data-')) node.setAttribute(k, String(v));
      else if (k === 'title') node.title = String(v);
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function duration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h}h ${m % 60}m`;
    return `${Math.floor(h / 24)}d`;
  }
  const age = (iso) => (iso ? duration(Date.now() + skew - Date.parse(iso)) : '-');

  function renderHeader(m) {
    $('org').textContent = m.org;
    const d = $('daemon');
    d.textContent = m.daemon.running ? `daemon running (pid ${m.daemon.pid})` : 'daemon NOT running';
    d.className = `pill ${m.daemon.running ? 'ok' : 'bad'}`;
    $('counts').textContent =
      `${m.counts.events} events, last ${age(m.counts.last_event)} ago · spool ${m.counts.spool} · dead letters ${m.counts.deadletter}`;
  }

  function renderAlerts(m) {
    $('alerts-section').hidden = m.alerts.length === 0;
    $('alerts').replaceChildren(
      ...m.alerts.map((a) => el('li', { class: a.level }, a.time ? `${age(a.time)} ago: ` : '', a.text)),
    );
  }

  function card(t) {
    return el(
      'div',
      { class: `card ${t.priority}`, 'data-task': t.id, title: t.title },
      el('div', { class: 'title' }, t.title),
      el(
        'div',
        { class: 'meta' },
        el('span', { class: 'id' }, t.id),
        el('span', { class: `prio ${t.priority}` }, t.priority),
        t.score !== null ? el('span', { class: 'score' }, `score ${t.score}`) : null,
        el('span', { class: 'owner' }, t.owner ? `@${t.owner}` : 'unclaimed'),
        el('span', { class: 'age' }, `age ${age(t.created)}`),
      ),
    );
  }

  function renderBoard(m) {
    const columns = m.columns.map((c) =>
      el(
        'div',
        { class: 'column', 'data-status': c.status },
        el(
          'h3',
          {},
          STATUS_NAMES[c.status] || c.status,
          el('span', { class: 'n' }, String(c.tasks.length + (c.more || 0))),
        ),
        ...(c.tasks.length ? c.tasks.map(card) : [el('div', { class: 'empty' }, 'none')]),
        c.more ? el('div', { class: 'empty' }, `and ${c.more} more (mailroom board)`) : null,
      ),
    );
    $('board').replaceChildren(...columns);
  }

  function renderTables(m) {
    const agentRows = m.agents.map((a) => {
      const jail =
        a.jailed === null
          ? el('span', { class: 'muted' }, a.note)
          : el('span', { class: a.jailed ? 'jailed' : 'unjailed', title: a.note }, a.jailed ? 'jailed' : 'UNJAILED');
      const oldest = a.oldest_unread ? `${age(a.oldest_unread)} (${a.oldest_priority})` : '-';
      return el(
        'tr',
        { 'data-agent': a.name },
        el('td', {}, a.name),
        el('td', { class: 'num inbox' }, String(a.inbox)),
        el('td', { class: 'num outbox' }, String(a.outbox)),
        el('td', { class: 'oldest' }, oldest),
        el('td', {}, a.lane || '-'),
        el('td', {}, jail),
      );
    });
    $('agents').tBodies[0].replaceChildren(...agentRows);
    const laneRows = m.lanes.map((l) => {
      const limit = `${l.concurrency} at once${l.per_minute !== null ? `, ${l.per_minute}/min` : ''}`;
      const cooling = l.cooling_until ? `until ${l.cooling_until.slice(11, 19)}` : '-';
      return el(
        'tr',
        { 'data-lane': l.name },
        el('td', {}, l.name),
        el('td', { class: 'num', title: l.running.join(', ') }, String(l.running.length)),
        el('td', { class: 'num' }, String(l.queued)),
        el('td', {}, limit),
        el('td', {}, cooling),
      );
    });
    $('lanes').tBodies[0].replaceChildren(
      ...(laneRows.length ? laneRows : [el('tr', {}, el('td', { class: 'empty' }, 'no lanes configured'))]),
    );
  }

  function renderHeld(m) {
    $('held-section').hidden = !m.held;
    $('held').replaceChildren(...(m.held || []).map((f) => el('li', {}, f)));
  }

  function renderEvents(m) {
    $('events').replaceChildren(
      ...m.events.map((e) => el('li', { 'data-seq': e.seq }, el('span', { class: 't' }, e.time.slice(11, 19)), e.text)),
    );
  }

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function chart(id, data, series, bars) {
    const target = $(id);
    const width = Math.max(200, target.clientWidth);
    if (charts[id]) {
      charts[id].setData(data);
      if (Math.abs(charts[id].width - width) > 4) charts[id].setSize({ width, height: 150 });
      return;
    }
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--line') }, ticks: { stroke: cssVar('--line') } };
    const opts = {
      width,
      height: 150,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
      },
      axes: [axis, { ...axis, size: 56 }],
      series: [
        {},
        ...series.map((s) => ({
          spanGaps: false,
          width: 2,
          ...s,
          ...(bars && typeof uPlot !== 'undefined' ? { paths: uPlot.paths.bars({ size: [0.8, 40] }) } : {}),
        })),
      ],
    };
    charts[id] = new uPlot(opts, data, target);
  }

  function renderCharts(m) {
    if (typeof uPlot === 'undefined') return;
    const c = m.charts;
    const accent = cssVar('--accent');
    chart(
      'chart-messages',
      [c.minutes, c.messages],
      [{ label: 'messages', stroke: accent, fill: `${accent}55` }],
      false,
    );
    chart('chart-queue', [c.minutes, c.queue], [{ label: 'queued runs', stroke: cssVar('--high') }], false);
    chart(
      'chart-latency',
      [c.minutes, c.latency_p50, c.latency_max],
      [
        { label: 'median', stroke: accent },
        { label: 'slowest', stroke: cssVar('--critical'), dash: [4, 4] },
      ],
      false,
    );
    // a day of nothing on either side, so that one day is a bar, not the whole axis
    const days = c.days.length ? [c.days[0] - 86400, ...c.days, c.days[c.days.length - 1] + 86400] : [];
    chart(
      'chart-cost',
      [days, days.length ? [null, ...c.cost, null] : []],
      [{ label: 'USD', stroke: cssVar('--ok'), fill: `${cssVar('--ok')}55` }],
      true,
    );
  }

  function render() {
    if (!model) return;
    if (model.error) {
      $('error').hidden = false;
      $('error').textContent = `The server cannot read the org: ${model.error}`;
      return;
    }
    $('error').hidden = true;
    renderHeader(model);
    renderAlerts(model);
    renderBoard(model);
    renderTables(model);
    renderHeld(model);
    renderEvents(model);
    renderCharts(model);
  }

  function receive(text) {
    const payload = JSON.parse(text);
    skew = Date.parse(payload.now) - Date.now();
    model = payload.model;
    render();
  }

  function connect() {
    const live = $('live');
    const source = new EventSource('events');
    source.addEventListener('model', (ev) => receive(ev.data));
    source.onopen = () => {
      live.textContent = 'live';
      live.className = 'pill ok';
    };
    source.onerror = () => {
      live.textContent = 'reconnecting';
      live.className = 'pill off';
    };
  }

  connect();
  setInterval(render, 5000); // ages move on even when nothing else does
  let resizing = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => model && renderCharts(model), 150);
  });
})();
