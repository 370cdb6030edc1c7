// Loads the weft dashboard in Debian's Chromium as a user would and checks that it shows
// the cluster, updates live and draws its task graph whole; with --error-task, that the
// errors panel lists that task's failure (printed as "errors panel: task T raised TYPE on
// WORKER: MESSAGE" for the caller to compare with the driver's exception and the log).
// usage: node dashboard_check.mjs URL --workers N --min-done M --screenshot PATH [--timeout S]
//          [--error-task NAME --error-message TEXT]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    workers: { type: 'string' },
    'min-done': { type: 'string', default: '1' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: '60' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    'error-task': { type: 'string' },
    'error-message': { type: 'string' },
  },
});
const url = positionals[0];
if (!url || opts.workers === undefined || !opts.screenshot ||
    (opts['error-task'] === undefined) !== (opts['error-message'] === undefined)) {
  console.error('usage: dashboard_check.mjs URL --workers N --min-done M --screenshot PATH ' +
    '[--timeout S] [--error-task NAME --error-message TEXT]');
  process.exit(2);
}
const workers = Number(opts.workers);
const minDone = Number(opts['min-done']);
const deadline = Date.now() + Number(opts.timeout) * 1000;
const remaining = () => Math.max(1000, deadline - Date.now());

function fail(message) {
  console.error(`dashboard check FAILED: ${message}`);
  process.exitCode = 1;
}

// Waits for the graph to be drawn, then checks that its panel lies within the viewport
// once scrolled to, and the drawing within the panel's visible box: nothing cut at an edge.
async function checkGraphWhole(page) {
  let layout;
  try {
    layout = await (await page.waitForFunction(() => {
      const graph = document.getElementById('graph');
      if (!graph.querySelector('circle')) return null;
      const panel = document.getElementById('graph-section');
      panel.scrollIntoView({ block: 'nearest' });
      const box = (e) => {
        const r = e.getBoundingClientRect();
        return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
      };
      const root = document.documentElement;
      return { viewport: { left: 0, top: 0, right: root.clientWidth, bottom: root.clientHeight },
        panel: box(panel), shown: box(graph.parentElement), graph: box(graph) };
    }, null, { timeout: remaining(), polling: 100 })).jsonValue();
  } catch {
    throw new Error('the task graph was never drawn');
  }
  const within = (a, b) => a.left >= b.left - 0.5 && a.top >= b.top - 0.5 &&
    a.right <= b.right + 0.5 && a.bottom <= b.bottom + 0.5;
  if (!within(layout.panel, layout.viewport) || !within(layout.graph, layout.shown)) {
    throw new Error(`the task graph is cut: ${JSON.stringify(layout)}`);
  }
}

// The errors panel's row for `task` failing with `message`: its type, and its worker, which
// must be one of the workers table's ("worker-1@host", or with the thread after a space).
async function errorRow(page, task, message) {
  let row;
  try {
    row = await (await page.waitForFunction(([t, m]) => {
      for (const tr of document.querySelectorAll('#errors tbody tr')) {
        const cells = [...tr.cells].map((c) => c.textContent);
        if (cells[1] === t && cells[3] === m) return { type: cells[2], worker: cells[4] };
      }
      return null;
    }, [task, message], { timeout: remaining(), polling: 100 })).jsonValue();
  } catch {
    const shown = await page.$eval('#errors tbody', (b) => b.innerText);
    throw new Error(`no error of task ${task} (${message}) in the errors panel: ${shown}`);
  }
  const names = await page.$$eval('#workers tbody td:first-child',
    (tds) => tds.map((td) => td.textContent));
  if (!names.some((n) => row.worker === n || row.worker.startsWith(`${n} `))) {
    throw new Error(`the errors panel's worker ${row.worker} is none of ${names.join(', ')}`);
  }
  return row;
}

// Chromium gets these flags and no others (ignoreDefaultArgs: Playwright adds dozens by
// default): headless, without the sandbox (which refuses to run as root, as CI does), shared
// memory in /tmp (a container's /dev/shm is often 64 MB), no GPU, a fresh profile, none of
// its own network traffic, and no scrollbars (a full-page screenshot of a page taller than
// the viewport otherwise loses a scrollbar's width at the right edge). Playwright talks to
// it over the pipe and takes its first tab, about:blank.
const profile = mkdtempSync(join(tmpdir(), 'weft-dashboard-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium,
    headless: true,
    ignoreDefaultArgs: true,
    args: ['--headless', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
      `--user-data-dir=${profile}`, '--remote-debugging-pipe', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--hide-scrollbars', 'about:blank'],
    viewport: { width: 1400, height: 1000 },
    timeout: remaining(),
  });
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('request', (r) => {
    if (!r.url().startsWith(new URL(url).origin)) problems.push(`request outside the server: ${r.url()}`);
  });

  await page.goto(url, { timeout: remaining() });
  const seen = () => page.evaluate(() => ({
    workers: Number(document.getElementById('worker-count').textContent),
    done: Number(document.getElementById('done-count').textContent),
    running: Number(document.getElementById('running-count').textContent),
    failed: Number(document.getElementById('failed-count').textContent),
    status: document.getElementById('status').textContent,
    updates: window.weftDashboard ? window.weftDashboard.updates : 0,
    lanes: window.weftDashboard?.last ? window.weftDashboard.last.workers.reduce((n, w) => n + w.threads, 0) : 0,
  }));
  try {
    await page.waitForFunction(([n, m]) =>
      Number(document.getElementById('worker-count').textContent) === n &&
      Number(document.getElementById('done-count').textContent) >= m, [workers, minDone],
    { timeout: remaining(), polling: 100 });
  } catch {
    throw new Error(`timed out waiting for ${workers} workers and ${minDone} done tasks; ` +
      `the page shows ${JSON.stringify(await seen())}`);
  }
  const first = await seen();
  const navigations = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });
  try {
    await page.waitForFunction((u) => window.weftDashboard.updates >= u + 2, first.updates,
      { timeout: Math.min(remaining(), 10000), polling: 100 });
  } catch {
    throw new Error(`the page did not update live: ${first.updates} updates, then no more`);
  }
  if (navigations.length) throw new Error(`the page reloaded: ${navigations.join(', ')}`);
  const last = await seen();

  const metricsHref = await page.getAttribute('#metrics-link', 'href');
  const metrics = await page.request.get(new URL(metricsHref, url).href, { timeout: remaining() });
  const metricsType = metrics.headers()['content-type'] ?? '';
  if (!metrics.ok() || !metricsType.startsWith('text/plain')) {
    throw new Error(`/metrics link: HTTP ${metrics.status()}, ${metricsType}`);
  }

  const error = opts['error-task'] &&
    await errorRow(page, opts['error-task'], opts['error-message']);
  await checkGraphWhole(page);
  await page.screenshot({ path: opts.screenshot, fullPage: true });
  console.log(`dashboard at ${url}: ${last.workers} workers, ${last.done} done, ` +
    `${last.running} running, ${last.failed} failed, status ${last.status}; ` +
    `${last.updates - first.updates} live updates while watched (${last.updates} in all); ` +
    `/metrics ${metrics.status()} ${metricsType}; screenshot ${opts.screenshot}`);
  if (error) {
    console.log(`errors panel: task ${opts['error-task']} raised ${error.type} on ${error.worker}: ` +
      opts['error-message']);
  }
  for (const p of problems) fail(p);
} catch (e) {
  fail(e.message);
} finally {
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
