// The weft dashboard: applies server-sent snapshots from /events to the page.
// Each event carries the full tables (totals, progress, workers, graph, errors) and only the
// task executions recorded since the previous event; the task stream accumulates those.
'use strict';
(() => {
  const WINDOW = 30;          // seconds shown by the task stream
  const LANES_HEIGHT = 420;   // pixels for all lanes, each 4 to 18 high
  const LABEL = 130;          // pixels for lane labels
  const STALE_MS = 3000;      // no event for this long: reconnect
  const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948',
    '#9c755f', '#ff9da7', '#86bcb6', '#8cd17d', '#a0cbe8', '#bab0ac'];
  const FAILED = '#d12f2f';
  const STATE_COLOR = {waiting: '#c9ccd1', running: '#2f6fb5', done: '#2f7d4f', failed: FAILED};

  const $ = (id) => document.getElementById(id);
  const dash = window.weftDashboard = {updates: 0, last: null};
  let tasks = [];
  let lastSeq = 0;
  let received = 0;           // performance.now() of the last event
  let heard = 0;              // of the last event or connection attempt
  let source = null;
  let graphKey = '';
  const colors = new Map();

  function colorOf(name) {
    if (!colors.has(name)) colors.set(name, PALETTE[colors.size % PALETTE.length]);
    return colors.get(name);
  }

  function bytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
  }

  function duration(s) {
    s = Math.max(0, Math.floor(s));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' m ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' m';
  }

  function esc(s) {
    return String(s).replace(/[&<>"]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
  }

  // The server's clock now, from the last snapshot's "now".
  function serverNow() {
    return dash.last ? dash.last.now + (performance.now() - received) / 1000 : 0;
  }

  function apply(snap) {
    // Another recorder (the server restarted) numbers from scratch: start over from 0.
    if (dash.last && snap.origin !== dash.last.origin && lastSeq > 0) {
      tasks = [];
      lastSeq = 0;
      dash.last = null;
      connect();
      return;
    }
    if (snap.seq < lastSeq) tasks = [];
    lastSeq = snap.seq;
    received = performance.now();
    for (const t of snap.tasks) tasks.push(t);
    const horizon = snap.now - WINDOW - 5;
    if (tasks.length > 20000 || (tasks.length && tasks[0].end < horizon)) {
      tasks = tasks.filter((t) => t.end >= horizon).slice(-20000);
    }
    dash.last = snap;
    renderHeader(snap);
    renderProgress(snap.progress);
    renderWorkers(snap.workers);
    renderGraph(snap.graph, snap.graph_size);
    renderErrors(snap.errors);
    drawStream();
    dash.updates++;
  }

  function renderHeader(snap) {
    $('runtime').textContent = snap.runtime;
    $('worker-count').textContent = snap.workers.length;
    for (const k of ['running', 'waiting', 'done', 'failed']) $(k + '-count').textContent = snap.totals[k];
    $('elapsed').textContent = duration(snap.now - snap.origin);
  }

  function renderProgress(progress) {
    const box = $('progress');
    if (!progress.length) { box.innerHTML = '<p class="empty">no tasks yet</p>'; return; }
    box.innerHTML = progress.map((p) => {
      const total = p.waiting + p.running + p.done + p.failed || 1;
      const seg = (n, c, op) => n ? `<span style="width:${100 * n / total}%;background:${c};opacity:${op}"></span>` : '';
      const c = colorOf(p.name);
      return `<div class="row"><div class="name" title="${esc(p.name)}">${esc(p.name)}</div>` +
        `<div class="bar">${seg(p.done, c, 1)}${seg(p.running, c, 0.45)}${seg(p.failed, FAILED, 1)}` +
        `${seg(p.waiting, STATE_COLOR.waiting, 1)}</div>` +
        `<div class="counts-line">${p.done} done · ${p.running} running · ${p.waiting} waiting` +
        `${p.failed ? ` · <b style="color:${FAILED}">${p.failed} failed</b>` : ''}` +
        ` · ${p.seconds.toFixed(1)} s total</div></div>`;
    }).join('');
  }

  function meter(fraction) {
    const f = Math.max(0, Math.min(1, fraction));
    return `<span class="meter"><i class="${f > 0.85 ? 'high' : ''}" style="width:${100 * f}%"></i></span>`;
  }

  function renderWorkers(workers) {
    const body = $('workers').tBodies[0];
    if (!workers.length) { body.innerHTML = '<tr class="empty"><td colspan="9">no workers</td></tr>'; return; }
    body.innerHTML = workers.map((w) => {
      const mem = bytes(w.memory) + (w.memory_limit ? ' / ' + bytes(w.memory_limit) : '');
      return `<tr><td>${esc(w.name)}</td><td>${esc(w.host)}</td><td class="num">${w.threads}</td>` +
        `<td class="num">${w.cpu.toFixed(0)} %${meter(w.cpu / (100 * Math.max(1, w.threads)))}</td>` +
        `<td>${mem}${w.memory_limit ? meter(w.memory / w.memory_limit) : ''}</td>` +
        `<td class="num">${w.objects} (${bytes(w.object_bytes)})</td><td class="num">${bytes(w.spilled_bytes)}</td>` +
        `<td class="num">${w.running}</td><td class="num">${bytes(w.transferred_bytes)}</td></tr>`;
    }).join('');
  }

  function renderErrors(errors) {
    const body = $('errors').tBodies[0];
    $('error-count').textContent = errors.length ? `last ${errors.length}` : '';
    if (!errors.length) { body.innerHTML = '<tr class="empty"><td colspan="5">none</td></tr>'; return; }
    body.innerHTML = errors.slice().reverse().map((e) =>
      `<tr><td>${new Date(e.time * 1000).toLocaleTimeString()}</td><td>${esc(e.task)}</td>` +
      `<td>${esc(e.type)}</td><td class="msg">${esc(e.message)}</td><td>${esc(e.worker)}</td></tr>`).join('');
  }

  // Layers by dependency depth, left to right; redrawn only when a node or state changes.
  function renderGraph(graph, size) {
    const svg = $('graph');
    // The threads runtime sees tasks only when they run: it has no graph to draw.
    if (!graph || graph.nodes.length === 0) {
      $('graph-note').textContent = size ? `${size} tasks: drawn up to 300` : 'no computation';
      if (graphKey) {
        svg.innerHTML = '';
        svg.setAttribute('width', 0);
        svg.setAttribute('height', 0);
        svg.removeAttribute('viewBox');
        graphKey = '';
      }
      return;
    }
    const room = svg.parentElement.clientWidth;
    const key = room + '|' + graph.nodes.map((n) => n.id + n.state).join() + '|' + graph.edges.length;
    if (key === graphKey) return;
    graphKey = key;
    const deps = new Map(graph.nodes.map((n) => [n.id, []]));
    for (const [from, to] of graph.edges) if (deps.has(to) && deps.has(from)) deps.get(to).push(from);
    const depth = new Map();
    const depthOf = (id) => {
      if (depth.has(id)) return depth.get(id);
      depth.set(id, 0);  // guards against a cycle in bad input
      const d = deps.get(id).reduce((m, p) => Math.max(m, depthOf(p) + 1), 0);
      depth.set(id, d);
      return d;
    };
    const layers = [];
    for (const n of graph.nodes) (layers[depthOf(n.id)] ||= []).push(n);
    // Top to bottom, one row per depth: the first row packed, each node below placed under
    // its dependencies' mean position (sorted by it, so few edges cross), kept dx apart.
    // The widest row fits the panel (nodes closer and smaller, labels as they are); a graph
    // wider still, its rows pushed apart, is scaled down by the viewBox rather than cut.
    const dy = 44, pad = 18, label = 90;
    const widest = Math.max(...layers.map((l) => l.length));
    const fit = widest > 1 ? (room - label - 2 * pad) / (widest - 1) : Infinity;
    const dx = Math.max(4, Math.min(22, fit)), r = Math.min(7, dx / 3);
    const pos = new Map();
    let right = 0;
    layers.forEach((layer, y) => {
      const want = (n, i) => {
        const xs = deps.get(n.id).map((d) => pos.get(d)[0]);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : label + pad + i * dx;
      };
      const keyed = layer.map((n, i) => [want(n, i), n]).sort((a, b) => a[0] - b[0]);
      let last = -Infinity;
      for (const [x, n] of keyed) {
        last = Math.max(x, last + dx);
        pos.set(n.id, [last, pad + y * dy]);
      }
      right = Math.max(right, last);
    });
    const width = right + pad;
    const height = pad * 2 + (layers.length - 1) * dy;
    const edges = graph.edges.filter(([a, b]) => pos.has(a) && pos.has(b)).map(([a, b]) => {
      const [x1, y1] = pos.get(a), [x2, y2] = pos.get(b);
      return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#b9bcc2"/>`;
    });
    const nodes = graph.nodes.map((n) => {
      const [x, y] = pos.get(n.id);
      return `<circle cx="${x}" cy="${y}" r="${r}" fill="${STATE_COLOR[n.state] || '#999'}" stroke="${colorOf(n.name)}" stroke-width="${Math.min(2, r / 3)}">` +
        `<title>${esc(n.name)} ${esc(n.id)}: ${n.state}</title></circle>`;
    });
    const labels = layers.map((l, y) => `<text x="0" y="${pad + y * dy + 4}">${esc(l[0].name)}</text>`);
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.innerHTML = edges.join('') + nodes.join('') + labels.join('');
    $('graph-note').textContent = `${graph.nodes.length} tasks · waiting grey, running blue, done green, failed red`;
  }

  function lanes() {
    const keys = new Set();
    for (const w of dash.last ? dash.last.workers : []) for (let i = 0; i < w.threads; i++) keys.add(w.name + '\u0000' + i);
    for (const t of tasks) keys.add(t.worker + '\u0000' + t.thread);
    return [...keys].map((k) => k.split('\u0000')).sort((a, b) =>
      a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1).map(([w, t]) => w + '\u0000' + t);
  }

  function drawStream() {
    const canvas = $('task-stream');
    const order = lanes();
    const index = new Map(order.map((k, i) => [k, i]));
    const laneH = Math.max(4, Math.min(18, Math.floor(LANES_HEIGHT / Math.max(1, order.length))));
    const cssWidth = canvas.clientWidth || 800;
    const cssHeight = Math.max(1, order.length) * laneH + 22;
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(cssWidth * ratio) || canvas.height !== Math.round(cssHeight * ratio)) {
      canvas.width = Math.round(cssWidth * ratio);
      canvas.height = Math.round(cssHeight * ratio);
      canvas.style.height = cssHeight + 'px';
    }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, cssWidth, cssHeight);
    const now = serverNow();
    const plot = cssWidth - LABEL - 8;
    const x = (t) => LABEL + (t - (now - WINDOW)) / WINDOW * plot;
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'middle';
    order.forEach((k, i) => {
      const [w, t] = k.split('\u0000');
      if (i % 2) { g.fillStyle = '#f7f7f4'; g.fillRect(LABEL, i * laneH, plot, laneH); }
      g.fillStyle = '#6b7078';
      if (laneH >= 10 || t === '0') g.fillText(laneH >= 10 ? `${w} · ${t}` : w, 4, i * laneH + laneH / 2, LABEL - 8);
    });
    for (const t of tasks) {
      if (t.end < now - WINDOW) continue;
      const lane = index.get(t.worker + '\u0000' + t.thread);
      const x0 = Math.max(LABEL, x(t.start));
      g.fillStyle = t.ok ? colorOf(t.name) : FAILED;
      const gap = laneH >= 10 ? 2 : 0.5;
      g.fillRect(x0, lane * laneH + gap, Math.max(1, x(t.end) - x0), laneH - 2 * gap);
    }
    const axis = order.length * laneH;
    g.fillStyle = '#6b7078';
    g.strokeStyle = '#e2e2dc';
    for (let s = 0; s <= WINDOW; s += 5) {
      const px = LABEL + (WINDOW - s) / WINDOW * plot;
      g.beginPath(); g.moveTo(px, 0); g.lineTo(px, axis); g.stroke();
      g.textAlign = 'center';
      g.fillText(s ? `-${s} s` : 'now', Math.min(px, cssWidth - 14), axis + 11);
    }
    g.textAlign = 'left';
    const names = [...new Set(tasks.map((t) => t.name))];
    const legend = names.map((n) => `<span style="--c:${colorOf(n)}">${esc(n)}</span>`).join('') +
      (tasks.some((t) => !t.ok) ? `<span style="--c:${FAILED}">failed</span>` : '');
    if ($('legend').innerHTML !== legend) $('legend').innerHTML = legend;
  }

  function setLive(live) {
    const s = $('status');
    s.className = 'status ' + (live ? 'live' : 'down');
    s.textContent = live ? 'live' : 'disconnected';
  }

  // EventSource retries by itself only on some failures (not on an HTTP error): reconnect by
  // hand, resuming after the last applied seq so that no execution is lost or doubled.
  function connect() {
    if (source) source.close();
    heard = performance.now();
    source = new EventSource('/events?since=' + lastSeq);
    source.onopen = () => setLive(true);
    source.onmessage = (e) => { heard = performance.now(); setLive(true); apply(JSON.parse(e.data)); };
    source.onerror = () => { setLive(false); source.close(); source = null; setTimeout(connect, 1000); };
  }

  setInterval(() => {
    if (source && performance.now() - heard > STALE_MS) { setLive(false); connect(); }
  }, 1000);
  // Scrolls the stream between events too.
  setInterval(() => { if (dash.last && !document.hidden) drawStream(); }, 100);
  window.addEventListener('resize', drawStream);
  connect();
})();
