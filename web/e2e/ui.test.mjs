// Browser tests of the web UI (issue 7): Debian's chromium, headless, driven by playwright-core
// (web/node_modules, pinned) against a real `hoptrace serve` on loopback (ephemeral ports, a
// temporary data dir; tests/clients/lib/server.mjs) loaded with the demo fleet's traces
// (`hoptrace demo` and `hoptrace demo --break-propagation`). Every check compares what the page
// shows with what the API answers.
//
//   node --test web/e2e/ui.test.mjs
//
// Environment: HOPTRACE_BIN (the binary; else the newest build*/hoptrace), HOPTRACE_CHROMIUM
// (default /usr/bin/chromium; the only reason to skip is its absence), HOPTRACE_ARTIFACTS (where
// the screenshots go; default <repo>/build/ui-artifacts, else a temporary dir).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findBinary, getJSON, post, sleep, startServer } from '../../tests/clients/lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const CHROMIUM = process.env.HOPTRACE_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
const VIEWPORT = { width: 1280, height: 800 };
const AGENTS = ['coder', 'orchestrator', 'researcher', 'reviewer'];
const DEMO_KINDS = ['comb', 'root_cause', 'runaway_cost', 'straggler'];

function artifactsDir() {
  const candidates = [process.env.HOPTRACE_ARTIFACTS, path.join(repoRoot, 'build', 'ui-artifacts')].filter(Boolean);
  for (const dir of candidates) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
      return dir;
    } catch {}
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), 'hoptrace-ui-artifacts-'));
}

const sorted = (xs) => [...xs].sort();
const setOf = (xs) => sorted(new Set(xs));

// ---------------------------------------------------------------------------------------------
if (!fs.existsSync(CHROMIUM)) {
  test('web UI in headless chromium', (t) => {
    t.skip(`chromium not installed (${CHROMIUM}; apt-get install chromium, or set HOPTRACE_CHROMIUM)`);
  });
} else {
  describe('web UI in headless chromium against hoptrace serve with the demo traces', { timeout: 600000 }, () => {
    let srv;
    let ctx;
    let userDataDir;
    let origin;
    let shotsDir;
    const foreign = [];  // requests to anything but the server, over the whole run
    const consoleErrors = [];  // console errors and uncaught page errors, over the whole run
    const shots = [];
    // The traces: the demo's (one trace), the --break-propagation run's caller and split trace,
    // and a small supplementary trace with an LLM span that records its messages.
    let demoId, callerId, splitId, chatId;

    const api = (p) => getJSON(srv.base, p);

    async function runDemo(extra) {
      const args = ['demo', '--server', srv.base, ...extra];
      return new Promise((resolve, reject) => {
        execFile(findBinary(), args, { timeout: 120000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`hoptrace ${args.join(' ')} failed: ${err.message}\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`));
          else resolve(stdout);
        });
      });
    }

    async function waitFor(what, fn, timeoutMs = 60000) {
      const t0 = Date.now();
      let last;
      for (;;) {
        try {
          last = await fn();
          if (last) return last;
        } catch (e) {
          last = e;
        }
        if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
        await sleep(250);
      }
    }

    // An OTLP/JSON trace of two spans: an agent-less invocation and an LLM call whose prompt and
    // completion are recorded (gen_ai.input.messages / gen_ai.output.messages), on a model with no
    // price. Ten minutes before now: outside the demo traces' ±60 s cross-trace window.
    async function postChatTrace() {
      const traceId = 'e2e0' + '7'.repeat(28);
      const t0 = BigInt(Date.now() - 10 * 60 * 1000) * 1000000n;
      const ns = (ms) => (t0 + BigInt(ms) * 1000000n).toString();
      const str = (key, v) => ({ key, value: { stringValue: v } });
      const int = (key, v) => ({ key, value: { intValue: String(v) } });
      const body = {
        resourceSpans: [{
          resource: { attributes: [str('service.name', 'e2e-chat')] },
          scopeSpans: [{
            scope: { name: 'hoptrace-e2e', version: '1' },
            spans: [
              { traceId, spanId: 'e2e0000000000001', name: 'answer question', kind: 1, startTimeUnixNano: ns(0), endTimeUnixNano: ns(900), attributes: [], status: { code: 1 } },
              {
                traceId, spanId: 'e2e0000000000002', parentSpanId: 'e2e0000000000001', name: 'chat e2e-local-model', kind: 3,
                startTimeUnixNano: ns(100), endTimeUnixNano: ns(800), status: { code: 1 },
                attributes: [
                  str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'e2e-local'),
                  str('gen_ai.request.model', 'e2e-local-model'), int('gen_ai.usage.input_tokens', 1234), int('gen_ai.usage.output_tokens', 56),
                  str('gen_ai.input.messages', JSON.stringify([
                    { role: 'system', parts: [{ type: 'text', content: 'You are a careful code reviewer.' }] },
                    { role: 'user', parts: [{ type: 'text', content: 'Why does the rate limiter reset on every request?' }] },
                  ])),
                  str('gen_ai.output.messages', JSON.stringify([
                    { role: 'assistant', parts: [{ type: 'text', content: 'Because limits.py rebuilds the bucket inside the handler.' }], finish_reason: 'stop' },
                  ])),
                ],
              },
            ],
          }],
        }],
      };
      const r = await post(srv.base, '/v1/traces', JSON.stringify(body), { 'Content-Type': 'application/json' });
      assert.equal(r.status, 200, `POST /v1/traces: ${r.status} ${r.text}`);
      return traceId;
    }

    before(async () => {
      shotsDir = artifactsDir();
      srv = await startServer({ extraArgs: ['--diagnose-after', '1s'] });
      origin = srv.base;
      try {
        await runDemo([]);
        const first = (await api('/api/v1/traces?limit=100')).traces;
        assert.equal(first.length, 1, `one trace after \`hoptrace demo\`, got ${first.length}`);
        demoId = first[0].trace_id;
        await runDemo(['--break-propagation']);
        const all = (await api('/api/v1/traces?limit=100')).traces;
        callerId = all.find((t) => t.trace_id !== demoId && t.root_name === 'invoke_agent orchestrator')?.trace_id;
        splitId = all.find((t) => t.root_name === 'invoke_agent reviewer')?.trace_id;
        assert.ok(callerId && splitId, `the --break-propagation run's two traces: ${JSON.stringify(all.map((t) => [t.trace_id, t.root_name]))}`);
        chatId = await postChatTrace();
        // The findings are recorded once each trace has been quiet for --diagnose-after (1 s).
        await waitFor('the demo findings in /api/v1/findings', async () => {
          const f = (await api('/api/v1/findings?limit=10000')).findings;
          const kinds = new Set(f.filter((x) => x.trace_id === demoId).map((x) => x.kind));
          const bp = f.some((x) => x.kind === 'broken_propagation' && x.trace_ids.includes(callerId) && x.trace_ids.includes(splitId));
          const callerComb = f.some((x) => x.kind === 'comb' && x.trace_id === callerId);
          return DEMO_KINDS.every((k) => kinds.has(k)) && bp && callerComb;
        });
      } catch (e) {
        e.message += `\n--- hoptrace serve log (tail) ---\n${srv.log().slice(-3000)}`;
        await srv.stop();
        throw e;
      }

      let chromium;
      try {
        ({ chromium } = await import('playwright-core'));
      } catch (e) {
        throw new Error(`playwright-core is not installed in web/node_modules (scripts/npm-ci web): ${e.message}`);
      }
      userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoptrace-e2e-profile-'));
      ctx = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: VIEWPORT, colorScheme: 'light',
      });
      ctx.setDefaultTimeout(20000);
      ctx.on('request', (r) => {
        if (!r.url().startsWith(origin + '/')) foreign.push(r.url());
      });
      for (const p of ctx.pages()) await p.close();  // the persistent context's blank first tab
    });

    after(async () => {
      await ctx?.close().catch(() => {});
      if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
      await srv?.stop();
      if (shots.length) console.log(`screenshots (${shotsDir}):\n${shots.map((s) => `  ${s}`).join('\n')}`);
    });

    // A fresh page for one test; at its end the page must have logged no console error, thrown no
    // uncaught error and requested nothing outside the server.
    async function withPage(fn) {
      const page = await ctx.newPage();
      const errors = [];
      const foreignBefore = foreign.length;
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url ?? ''})`);
      });
      page.on('pageerror', (e) => errors.push(`uncaught: ${e.stack || e.message}`));
      try {
        await fn(page);
      } finally {
        consoleErrors.push(...errors);
        await page.close().catch(() => {});
      }
      assert.deepEqual(errors, [], 'console errors on the page');
      assert.deepEqual(foreign.slice(foreignBefore), [], 'requests to a host other than the server');
    }

    async function shot(page, t, name) {
      const file = path.join(shotsDir, `${name}.png`);
      await page.screenshot({ path: file });
      shots.push(file);
      t.diagnostic(`screenshot: ${file}`);
    }

    async function open(page, p) {
      await page.goto(origin + p);
    }

    // The trace view, loaded, with its diagnosis drawn.
    async function openTrace(page, p) {
      await open(page, p);
      await page.waitForSelector('[data-testid=waterfall] [data-testid=span-row]');
      await page.waitForFunction(() => {
        const panel = document.querySelector('[data-testid=findings-panel]');
        return panel && !panel.textContent.includes('Diagnosing');
      });
    }

    // Every row of the (virtualised) waterfall, scrolling it from top to bottom.
    async function collectRows(page) {
      return page.evaluate(async () => {
        const sc = document.querySelector('[data-testid=waterfall]');
        const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const rows = new Map();
        const grab = () => {
          for (const el of sc.querySelectorAll('[data-testid=span-row]')) {
            const bars = el.querySelectorAll('[data-testid=span-bar]');
            const bar = bars[0];
            const m = /translateY\((-?[\d.]+)px\)/.exec(el.style.transform);
            const key = `${el.dataset.traceId ?? ''}/${el.dataset.spanId}`;
            rows.set(key, {
              spanId: el.dataset.spanId,
              traceId: el.dataset.traceId ?? null,
              y: m ? Number(m[1]) : NaN,
              depth: Number(el.dataset.depth),
              agent: el.dataset.agent,
              error: el.dataset.error === '1',
              bars: bars.length,
              start: bar?.dataset.startNs,
              end: bar?.dataset.endNs,
              marks: [...el.querySelectorAll('[data-testid=finding-mark]')].map((x) => ({ kind: x.dataset.kind, key: x.dataset.key, text: x.textContent })),
              cp: el.querySelector('[data-testid=critical-path]') !== null,
              classes: el.className,
              selected: el.getAttribute('aria-selected') === 'true',
              expanded: el.getAttribute('aria-expanded'),
              name: el.querySelector('.wf-label')?.textContent ?? '',
              extra: el.querySelector('.wf-extra')?.textContent ?? '',
            });
          }
        };
        sc.scrollTop = 0;
        await frame();
        grab();
        for (let guard = 0; guard < 100000 && sc.scrollTop + sc.clientHeight < sc.scrollHeight - 1; guard++) {
          const before = sc.scrollTop;
          sc.scrollTop = before + Math.max(22, sc.clientHeight - 44);
          await frame();
          grab();
          if (sc.scrollTop === before) break;
        }
        sc.scrollTop = 0;
        await frame();
        return [...rows.values()].sort((a, b) => a.y - b.y);
      });
    }

    // Scrolls the waterfall until the row of `spanId` is drawn, centred; returns its locator.
    async function revealRow(page, spanId) {
      const found = await page.evaluate(async (id) => {
        const sc = document.querySelector('[data-testid=waterfall]');
        const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const find = () => sc.querySelector(`[data-testid=span-row][data-span-id="${id}"]`);
        sc.scrollTop = 0;
        await frame();
        while (!find() && sc.scrollTop + sc.clientHeight < sc.scrollHeight - 1) {
          const before = sc.scrollTop;
          sc.scrollTop += Math.max(22, sc.clientHeight - 44);
          await frame();
          if (sc.scrollTop === before) break;
        }
        const el = find();
        if (!el) return false;
        const y = Number(/translateY\((-?[\d.]+)px\)/.exec(el.style.transform)?.[1] ?? 0);
        sc.scrollTop = Math.max(0, y - sc.clientHeight / 2);
        await frame();
        return find() !== null;
      }, spanId);
      assert.ok(found, `row of span ${spanId} not found in the waterfall`);
      return page.locator(`[data-testid=span-row][data-span-id="${spanId}"]`);
    }

    async function noHorizontalOverflow(page, what) {
      const o = await page.evaluate(() => ({
        doc: document.documentElement.scrollWidth, docClient: document.documentElement.clientWidth,
        body: document.body.scrollWidth, inner: window.innerWidth,
      }));
      assert.ok(o.doc <= o.docClient && o.body <= o.docClient,
        `${what}: horizontal overflow at ${VIEWPORT.width}x${VIEWPORT.height} (document ${o.doc}px, body ${o.body}px, viewport ${o.docClient}px)`);
    }

    function findingsOf(all, traceId) {
      return all.filter((f) => f.trace_id === traceId || (f.kind === 'broken_propagation' && (f.trace_ids ?? []).includes(traceId)));
    }

    // -------------------------------------------------------------------------------------------
    test('trace list: the demo traces, newest first, with their finding badges; filters in the URL', async (t) => {
      const want = (await api('/api/v1/traces?limit=100')).traces;
      const findings = (await api('/api/v1/findings?limit=10000')).findings;
      await withPage(async (page) => {
        await open(page, '/');
        await page.waitForSelector('[data-testid=trace-list] [data-testid=trace-row]');
        await page.waitForSelector(`[data-testid=trace-row][data-trace-id="${demoId}"] [data-testid=finding-badge]`);
        const rows = await page.$$eval('[data-testid=trace-row]', (els) => els.map((el) => ({
          id: el.dataset.traceId,
          badges: [...el.querySelectorAll('[data-testid=finding-badge]')].map((b) => b.dataset.kind),
          hrefs: [...el.querySelectorAll('[data-testid=finding-badge]')].map((b) => b.getAttribute('href')),
          spans: el.children[3]?.textContent,
        })));
        assert.deepEqual(rows.map((r) => r.id), want.map((x) => x.trace_id), 'rows = /api/v1/traces, newest first');
        assert.equal(await page.getAttribute('[data-testid=trace-count]', 'data-count'), String(want.length));
        for (const id of [demoId, callerId, splitId]) assert.ok(rows.some((r) => r.id === id), `trace ${id} listed`);
        for (const r of rows) {
          const w = want.find((x) => x.trace_id === r.id);
          assert.equal(r.spans, w.span_count.toLocaleString('en-US'), `trace ${r.id}: span count`);
          assert.deepEqual(setOf(r.badges), setOf(findingsOf(findings, r.id).map((f) => f.kind)), `trace ${r.id}: one badge per finding kind`);
        }
        const demo = rows.find((r) => r.id === demoId);
        for (const k of DEMO_KINDS) assert.ok(demo.badges.includes(k), `the demo trace has a ${k} badge (has ${demo.badges})`);
        assert.ok(demo.hrefs.every((h) => h.startsWith(`/traces/${demoId}?finding=`)), 'a badge links to its finding');
        for (const id of [callerId, splitId]) {
          assert.ok(rows.find((r) => r.id === id).badges.includes('broken_propagation'), `split pair: ${id} has a broken_propagation badge`);
        }
        await noHorizontalOverflow(page, 'trace list');
        await shot(page, t, 'trace-list');

        // A filter: the URL holds it and the rows are the API's for it.
        const byAgent = (await api('/api/v1/traces?agent=reviewer&limit=100')).traces.map((x) => x.trace_id);
        assert.ok(byAgent.includes(demoId) && byAgent.includes(splitId) && !byAgent.includes(callerId), `agent=reviewer: ${byAgent}`);
        await page.fill('[data-testid=filter-agent]', 'reviewer');
        await page.press('[data-testid=filter-agent]', 'Enter');
        await page.waitForFunction((ids) => {
          const got = [...document.querySelectorAll('[data-testid=trace-row]')].map((el) => el.dataset.traceId);
          return got.length === ids.length && got.every((id, i) => id === ids[i]);
        }, byAgent);
        assert.equal(new URL(page.url()).searchParams.get('agent'), 'reviewer', 'the filter is in the URL');
        // Reloading the shared URL shows the same filtered list.
        await page.reload();
        await page.waitForSelector('[data-testid=trace-row]');
        assert.equal(await page.inputValue('[data-testid=filter-agent]'), 'reviewer');
        assert.deepEqual(await page.$$eval('[data-testid=trace-row]', (els) => els.map((el) => el.dataset.traceId)), byAgent);

        // Live: with the toggle on, a trace that arrives shows up without a reload.
        await page.check('[data-testid=live-toggle]');
        await page.waitForFunction(() => new URL(location.href).searchParams.get('live') === '1');
        const liveId = 'e2e1' + '9'.repeat(28);
        const now = BigInt(Date.now()) * 1000000n;
        const liveSpan = {
          traceId: liveId, spanId: 'e2e1000000000001', name: 'invoke_agent reviewer', kind: 1,
          startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1000000n),
          attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } },
            { key: 'gen_ai.agent.name', value: { stringValue: 'reviewer' } }],
        };
        const r = await post(srv.base, '/v1/traces', JSON.stringify({ resourceSpans: [{
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'e2e-live' } }] },
          scopeSpans: [{ spans: [liveSpan] }] }] }), { 'Content-Type': 'application/json' });
        assert.equal(r.status, 200, `POST /v1/traces: ${r.status} ${r.text}`);
        await page.waitForSelector(`[data-testid=trace-row][data-trace-id="${liveId}"]`, { timeout: 15000 });
        await page.uncheck('[data-testid=live-toggle]');
      });
    });

    test('waterfall: one bar per span, exact times, and the fan-out bars overlap', async (t) => {
      const trace = await api(`/api/v1/traces/${demoId}`);
      const diag = await api(`/api/v1/traces/${demoId}/diagnosis`);
      const straggler = diag.findings.find((f) => f.kind === 'straggler');
      assert.ok(straggler, 'the demo trace has a straggler finding');
      await withPage(async (page) => {
        await openTrace(page, `/traces/${demoId}`);
        const wf = page.locator('[data-testid=waterfall]');
        assert.equal(await wf.getAttribute('data-span-count'), String(trace.spans.length), 'data-span-count = the API\'s span count');
        assert.equal(await wf.getAttribute('data-visible-rows'), String(trace.spans.length), 'every span shown (nothing folded)');
        const rows = await collectRows(page);
        assert.equal(rows.length, trace.spans.length, 'rows drawn while scrolling through');
        assert.deepEqual(sorted(rows.map((r) => r.spanId)), sorted(trace.spans.map((s) => s.span_id)), 'one row per span id');
        const byId = new Map(trace.spans.map((s) => [s.span_id, s]));
        for (const r of rows) {
          const s = byId.get(r.spanId);
          assert.equal(r.bars, 1, `span ${r.spanId}: one bar`);
          assert.equal(r.start, s.start_unix_nano, `span ${r.spanId}: bar start`);
          assert.equal(r.end, s.end_unix_nano, `span ${r.spanId}: bar end`);
          assert.equal(r.agent, s.agent ?? '', `span ${r.spanId}: agent`);
          assert.equal(r.error, s.status.code === 'error', `span ${r.spanId}: error mark`);
        }
        // Parents above their children, one level deeper.
        const rowOf = new Map(rows.map((r) => [r.spanId, r]));
        for (const s of trace.spans) {
          if (!s.parent_span_id) continue;
          const p = rowOf.get(s.parent_span_id), c = rowOf.get(s.span_id);
          assert.ok(p.y < c.y && c.depth === p.depth + 1, `span ${s.span_id} drawn under its parent ${s.parent_span_id}`);
        }

        // The orchestrator's fan-out: the straggler and its siblings.
        const ids = [straggler.evidence.straggler_span_id, ...straggler.evidence.sibling_span_ids];
        assert.equal(ids.length, straggler.evidence.fan_out);
        assert.equal(ids.length, 4, 'a fan-out of four');
        const parent = byId.get(straggler.evidence.parent_span_id);
        assert.equal(parent.agent, 'orchestrator', 'the fan-out is the orchestrator\'s');
        const fan = ids.map((id) => rowOf.get(id));
        const maxStart = fan.reduce((m, r) => (BigInt(r.start) > m ? BigInt(r.start) : m), 0n);
        const minEnd = fan.reduce((m, r) => (BigInt(r.end) < m ? BigInt(r.end) : m), BigInt(fan[0].end));
        assert.ok(maxStart < minEnd, `the four fan-out bars share an instant (latest start ${maxStart}, earliest end ${minEnd})`);
        // ... and overlap on screen.
        const boxes = [];
        for (const id of ids) boxes.push(await page.locator(`[data-testid=span-row][data-span-id="${id}"] [data-testid=span-bar]`).boundingBox());
        const left = Math.max(...boxes.map((b) => b.x)), right = Math.min(...boxes.map((b) => b.x + b.width));
        assert.ok(left < right, `the four fan-out bars overlap horizontally on screen (${JSON.stringify(boxes)})`);
        assert.ok(boxes.every((b) => b.width >= 1), 'the fan-out bars are drawn');
        await page.locator('[data-testid=minimap]').waitFor();
        await noHorizontalOverflow(page, 'waterfall');
        await shot(page, t, 'waterfall-light');
      });
    });

    test('waterfall: the comb (6 read_file teeth), the straggler, the root cause, the runaway cost and the critical path are marked', async (t) => {
      const trace = await api(`/api/v1/traces/${demoId}`);
      const diag = await api(`/api/v1/traces/${demoId}/diagnosis`);
      const byKind = (k) => diag.findings.find((f) => f.kind === k);
      const comb = byKind('comb');
      assert.ok(comb, 'the demo trace has a comb');
      assert.equal(comb.span_ids.length, 6, 'six teeth');
      await withPage(async (page) => {
        await openTrace(page, `/traces/${demoId}`);
        const rows = await collectRows(page);
        const marked = (kind) => sorted(rows.filter((r) => r.marks.some((m) => m.kind === kind)).map((r) => r.spanId));
        const byId = new Map(trace.spans.map((s) => [s.span_id, s]));
        assert.deepEqual(marked('comb'), sorted(comb.span_ids), 'the comb\'s teeth are marked');
        for (const id of comb.span_ids) assert.equal(byId.get(id).tool, 'read_file', `tooth ${id} is a read_file call`);
        const group = page.locator(`[data-testid=finding-group][data-kind=comb][data-key="${comb.key}"]`);
        await group.waitFor();
        const label = await group.textContent();
        assert.match(label, /×6/, `the comb's band says six: ${label}`);
        assert.match(label, /read_file/, `the comb's band names the tool: ${label}`);

        const straggler = byKind('straggler');
        assert.deepEqual(marked('straggler'), [straggler.evidence.straggler_span_id], 'the straggler is marked');
        const sRow = rows.find((r) => r.spanId === straggler.evidence.straggler_span_id);
        assert.match(sRow.marks.find((m) => m.kind === 'straggler').text, /straggler/);
        const rc = byKind('root_cause');
        assert.deepEqual(marked('root_cause'), sorted(rc.span_ids), 'the root-cause chain is marked');
        const rcost = byKind('runaway_cost');
        assert.deepEqual(marked('runaway_cost'), sorted(rcost.span_ids), 'the runaway cost spans are marked');

        assert.ok(diag.critical_path.length > 0);
        assert.deepEqual(sorted(rows.filter((r) => r.cp).map((r) => r.spanId)), sorted(diag.critical_path.map((c) => c.span_id)), 'the critical path is marked');
        const cpSum = diag.critical_path.reduce((s, c) => s + BigInt(c.contribution_ns), 0n);
        const root = trace.spans.find((s) => !s.parent_span_id);
        assert.equal(cpSum.toString(), root.duration_ns, 'critical-path contributions sum to the root\'s duration (API)');

        // The findings panel lists every finding of the diagnosis.
        const items = await page.$$eval('[data-testid=finding-item]', (els) => els.map((el) => `${el.dataset.kind}|${el.dataset.key}`));
        assert.deepEqual(sorted(items), sorted(diag.findings.map((f) => `${f.kind}|${f.key}`)), 'findings panel = the diagnosis');
        // Selecting the comb in the panel highlights its teeth.
        await page.click(`[data-testid=finding-item][data-key="${comb.key}"]`);
        await page.waitForFunction((n) => document.querySelectorAll('[data-testid=span-row].hl').length === n, comb.span_ids.length);
        const hl = await page.$$eval('[data-testid=span-row].hl', (els) => els.map((el) => el.dataset.spanId));
        assert.deepEqual(sorted(hl), sorted(comb.span_ids), 'the selected comb highlights its teeth');
        await shot(page, t, 'waterfall-comb-selected');
      });
    });

    test('stitched view: the broken trace\'s halves joined, the inferred link shown', async (t) => {
      const st = await api(`/api/v1/traces/${callerId}/stitched`);
      assert.equal(st.stitched, true, 'the API stitches the caller\'s trace');
      assert.deepEqual(sorted(st.trace_ids), sorted([callerId, splitId]));
      assert.equal(st.links.length, 1);
      const link = st.links[0];
      const callerSpans = (await api(`/api/v1/traces/${callerId}`)).spans.length;
      const splitSpans = (await api(`/api/v1/traces/${splitId}`)).spans.length;
      await withPage(async (page) => {
        await openTrace(page, `/traces/${callerId}`);
        // The unstitched view offers the stitched one (its diagnosis has broken_propagation).
        const toggle = page.locator('[data-testid=stitched-toggle]');
        await toggle.waitFor();
        await toggle.click();
        await page.waitForURL((u) => u.searchParams.get('stitched') === 'true');
        await page.waitForSelector('[data-testid=stitched-traces]');
        await page.waitForSelector('[data-testid=waterfall] [data-testid=span-row]');
        await page.waitForSelector('[data-testid=stitched-link]');
        const wf = page.locator('[data-testid=waterfall]');
        assert.equal(await wf.getAttribute('data-span-count'), String(callerSpans + splitSpans), 'both halves\' spans');
        assert.equal(st.spans.length, callerSpans + splitSpans);
        const header = await page.locator('[data-testid=stitched-traces]').innerHTML();
        for (const id of st.trace_ids) assert.ok(header.includes(`/traces/${id}`), `the header links trace ${id}`);
        const rows = await collectRows(page);
        assert.deepEqual(sorted(rows.map((r) => `${r.traceId}/${r.spanId}`)), sorted(st.spans.map((s) => `${s.trace_id}/${s.span_id}`)), 'every span of both traces');
        const parent = rows.find((r) => r.spanId === link.parent_span_id && r.traceId === link.parent_trace_id);
        const child = rows.find((r) => r.spanId === link.child_span_id && r.traceId === link.child_trace_id);
        assert.ok(parent && child, 'the link\'s two rows');
        assert.ok(child.y > parent.y && child.depth === parent.depth + 1, 'the split trace\'s root is drawn under its inferred parent');
        assert.match(child.extra, /inferred/, `the child root says inferred: ${child.extra}`);
        assert.ok(child.marks.some((m) => m.kind === 'broken_propagation'), 'the detached root carries the broken_propagation mark');
        const el = page.locator('[data-testid=stitched-link]');
        assert.equal(await el.count(), 1);
        assert.equal(await el.getAttribute('data-child-span-id'), link.child_span_id);
        assert.equal(await el.getAttribute('data-parent-span-id'), link.parent_span_id);
        assert.equal(await el.getAttribute('data-confidence'), link.confidence.toFixed(2));
        assert.match(await el.textContent(), /inferred/);
        // The child root's detail names its inferred parent.
        await (await revealRow(page, link.child_span_id)).locator('.wf-name').click();
        const detail = page.locator(`[data-testid=span-detail][data-span-id="${link.child_span_id}"]`);
        await detail.waitFor();
        assert.match(await detail.locator('tr[data-key="inferred parent"]').textContent(), new RegExp(link.parent_span_id));
        await shot(page, t, 'waterfall-stitched');
      });
    });

    test('span panel: an LLM span\'s fields and attributes; a prompt with its messages; tool arguments pretty-printed', async (t) => {
      const trace = await api(`/api/v1/traces/${demoId}`);
      const CONTENT = /^(gen_ai\.(input|output)\.messages|gen_ai\.prompt|gen_ai\.completion|gen_ai\.system_instructions|llm\.(input|output)_messages|input\.value|output\.value)/;
      const llm = trace.spans.filter((s) => s.model && s.input_tokens > 0);
      assert.ok(llm.length > 0, 'the demo has LLM spans');
      const withContent = llm.find((s) => Object.keys(s.attributes).some((k) => CONTENT.test(k)));
      const span = llm[0];
      await withPage(async (page) => {
        await openTrace(page, `/traces/${demoId}`);
        await (await revealRow(page, span.span_id)).locator('.wf-name').click();
        const detail = page.locator(`[data-testid=span-detail][data-span-id="${span.span_id}"]`);
        await detail.waitFor();
        assert.equal(new URL(page.url()).searchParams.get('span'), span.span_id, 'the selection is in the URL');
        assert.match(await detail.locator('tr[data-key=model]').textContent(), new RegExp(span.model.replace(/[.]/g, '\\.')));
        const attrKeys = await detail.locator('[data-testid=span-attr]').evaluateAll((els) => els.map((e) => e.dataset.key));
        assert.deepEqual(sorted(attrKeys), sorted(Object.keys(span.attributes)), 'every attribute listed');

        // Tool arguments (a comb tooth): pretty-printed JSON in the content block.
        const tooth = trace.spans.find((s) => s.tool === 'read_file' && s.attributes['gen_ai.tool.call.arguments']);
        assert.ok(tooth, 'a read_file call with arguments');
        await (await revealRow(page, tooth.span_id)).locator('.wf-name').click();
        const toothDetail = page.locator(`[data-testid=span-detail][data-span-id="${tooth.span_id}"]`);
        await toothDetail.waitFor();
        const args = JSON.stringify(JSON.parse(tooth.attributes['gen_ai.tool.call.arguments']), null, 2);
        const content = await toothDetail.locator('[data-testid=prompt]').textContent();
        assert.ok(content.includes(args), `tool arguments pretty-printed: want ${JSON.stringify(args)} in ${JSON.stringify(content.slice(0, 400))}`);
      });

      // The prompt of an LLM call. The demo's LLM spans record no messages (only
      // demo.prompt_chars), so unless they do, the supplementary trace's LLM span is used.
      let target = withContent;
      let targetTrace = demoId;
      if (!target) {
        t.diagnostic('the demo\'s LLM spans carry no prompt or completion attributes: using the supplementary e2e-chat trace');
        const chat = await api(`/api/v1/traces/${chatId}`);
        target = chat.spans.find((s) => s.model === 'e2e-local-model');
        targetTrace = chatId;
      }
      const msgs = [];
      for (const k of ['gen_ai.input.messages', 'gen_ai.output.messages']) {
        const v = target.attributes[k];
        if (typeof v !== 'string') continue;
        for (const m of JSON.parse(v)) for (const p of m.parts ?? []) if (typeof p.content === 'string') msgs.push(p.content);
      }
      assert.ok(msgs.length >= 2, 'messages to look for');
      await withPage(async (page) => {
        await openTrace(page, `/traces/${targetTrace}`);
        await (await revealRow(page, target.span_id)).locator('.wf-name').click();
        const prompt = page.locator(`[data-testid=span-detail][data-span-id="${target.span_id}"] [data-testid=prompt]`);
        await prompt.waitFor({ state: 'visible' });
        const text = await prompt.innerText();
        for (const m of msgs) assert.ok(text.includes(m), `the prompt shows ${JSON.stringify(m)}: ${JSON.stringify(text.slice(0, 500))}`);
        assert.match(text, /\buser\b/i, 'message roles shown');
        assert.match(text, /\bassistant\b/i, 'the completion shown');
        await shot(page, t, 'span-detail-prompt');
      });
    });

    test('keyboard: ArrowDown moves the selection, ArrowLeft folds, ArrowRight unfolds', async (t) => {
      const trace = await api(`/api/v1/traces/${demoId}`);
      const kids = new Map();
      for (const s of trace.spans) if (s.parent_span_id) kids.set(s.parent_span_id, [...(kids.get(s.parent_span_id) ?? []), s.span_id]);
      const descendants = (id) => (kids.get(id) ?? []).reduce((n, c) => n + 1 + descendants(c), 0);
      await withPage(async (page) => {
        await openTrace(page, `/traces/${demoId}`);
        const rows = await collectRows(page);  // in screen order
        const wf = page.locator('[data-testid=waterfall]');
        await wf.focus();
        const selected = () => page.$eval('[data-testid=waterfall]', (sc) => sc.querySelector('[data-testid=span-row][aria-selected=true]')?.dataset.spanId ?? null);
        assert.equal(await selected(), null, 'nothing selected at first');
        // The first row with children below the root: walk down to it one row at a time.
        const target = rows.findIndex((r, i) => i > 0 && r.expanded === 'true');
        assert.ok(target > 0, 'a foldable row below the root');
        for (let i = 0; i <= target; i++) {
          await page.keyboard.press('ArrowDown');
          await page.waitForFunction((id) => document.querySelector('[data-testid=span-row][aria-selected=true]')?.dataset.spanId === id, rows[i].spanId);
        }
        const id = rows[target].spanId;
        await page.locator(`[data-testid=span-detail][data-span-id="${id}"]`).waitFor();
        assert.equal(new URL(page.url()).searchParams.get('span'), id);
        const n = trace.spans.length;
        const below = descendants(id);
        assert.ok(below > 0);
        await page.keyboard.press('ArrowLeft');
        await page.waitForFunction((want) => document.querySelector('[data-testid=waterfall]').dataset.visibleRows === want, String(n - below));
        // The row list is redrawn on the next animation frame: wait for the folded row.
        await page.waitForFunction((rowId) => document.querySelector(`[data-testid=span-row][data-span-id="${rowId}"]`)?.getAttribute('aria-expanded') === 'false', id, { timeout: 5000 })
          .catch(() => {});
        assert.equal(await page.getAttribute(`[data-testid=span-row][data-span-id="${id}"]`, 'aria-expanded'), 'false', 'the row is folded');
        await shot(page, t, 'waterfall-folded');
        await page.keyboard.press('ArrowRight');
        await page.waitForFunction((want) => document.querySelector('[data-testid=waterfall]').dataset.visibleRows === want, String(n));
        await page.keyboard.press('ArrowUp');
        await page.waitForFunction((want) => document.querySelector('[data-testid=span-row][aria-selected=true]')?.dataset.spanId === want, rows[target - 1].spanId);
      });
    });

    test('agent graph: the four agents and their edges; clicking a node filters the waterfall to that agent', async (t) => {
      const graph = await api(`/api/v1/traces/${demoId}/graph?tools=false`);
      const trace = await api(`/api/v1/traces/${demoId}`);
      await withPage(async (page) => {
        await open(page, `/traces/${demoId}/graph`);
        const svg = page.locator('svg[data-testid=agent-graph]');
        await svg.waitFor();
        await page.waitForSelector('[data-testid=graph-node]');
        assert.equal(await svg.getAttribute('data-node-count'), String(graph.nodes.length));
        assert.equal(await svg.getAttribute('data-edge-count'), String(graph.edges.length));
        const nodes = await page.$$eval('[data-testid=graph-node]', (els) => els.map((e) => ({ id: e.dataset.nodeId, name: e.dataset.name, kind: e.dataset.kind })));
        assert.deepEqual(sorted(nodes.filter((n) => n.kind === 'agent').map((n) => n.name)), AGENTS, 'the four agents');
        assert.deepEqual(sorted(nodes.map((n) => n.id)), sorted(graph.nodes.map((n) => n.id)), 'nodes = the API\'s');
        const edges = await page.$$eval('[data-testid=graph-edge]', (els) => els.map((e) => `${e.dataset.from}>${e.dataset.to}:${e.dataset.kind}:${e.dataset.calls}:${e.dataset.inCycle}`));
        assert.deepEqual(sorted(edges), sorted(graph.edges.map((e) => `${e.from}>${e.to}:${e.kind}:${e.calls}:${e.in_cycle}`)), 'edges = the API\'s');
        for (const a of ['coder', 'researcher', 'reviewer']) {
          assert.ok(edges.some((e) => e.startsWith(`agent:orchestrator>agent:${a}:`)), `an edge orchestrator -> ${a}`);
        }
        assert.equal(await page.getAttribute('[data-testid=graph-cycles]', 'data-count'), String(graph.cycles.length));
        await noHorizontalOverflow(page, 'trace graph');
        await shot(page, t, 'graph-trace');

        await page.locator('[data-testid=graph-node][data-name=researcher]').click();
        await page.waitForURL((u) => u.pathname === `/traces/${demoId}` && u.searchParams.get('agent') === 'researcher');
        await page.waitForSelector('[data-testid=agent-filter][data-agent=researcher]');
        await page.waitForSelector('[data-testid=span-row]');
        const rows = await collectRows(page);
        const own = trace.spans.filter((s) => s.agent === 'researcher').map((s) => s.span_id);
        assert.ok(own.length > 0);
        const shown = rows.filter((r) => !/\bcontext\b/.test(r.classes));
        assert.deepEqual(sorted(shown.map((r) => r.spanId)), sorted(own), 'the researcher\'s spans, and only those, shown as its own');
        for (const r of rows.filter((x) => /\bcontext\b/.test(x.classes))) {
          assert.notEqual(r.agent, 'researcher', `context row ${r.spanId} is another agent's ancestor`);
        }
        assert.equal(await page.getAttribute('[data-testid=waterfall]', 'data-visible-rows'), String(rows.length));
        await shot(page, t, 'waterfall-agent-researcher');
      });
      // The graph of a time window.
      const win = await api('/api/v1/graph?since=1h&tools=false');
      await withPage(async (page) => {
        await open(page, '/graph');
        await page.waitForSelector('[data-testid=graph-node]');
        const names = await page.$$eval('[data-testid=graph-node]', (els) => els.map((e) => e.dataset.nodeId));
        assert.deepEqual(sorted(names), sorted(win.nodes.map((n) => n.id)), 'window graph nodes = /api/v1/graph');
        for (const a of AGENTS) assert.ok(names.includes(`agent:${a}`), `window graph has ${a}`);
        assert.equal(await page.getAttribute('svg[data-testid=agent-graph]', 'data-edge-count'), String(win.edges.length));
        await noHorizontalOverflow(page, 'window graph');
        await shot(page, t, 'graph-window');
      });
    });

    test('dashboard: totals equal /api/v1/stats for its window; per-agent rows; unpriced models listed', async (t) => {
      await withPage(async (page) => {
        await open(page, '/dashboard');
        const dash = page.locator('[data-testid=dashboard]');
        await page.waitForSelector('[data-testid=total-spans]');
        const since = await dash.getAttribute('data-since');
        const until = await dash.getAttribute('data-until');
        assert.match(since, /^\d+$/);
        assert.match(until, /^\d+$/);
        const q = `since=${since}&until=${until}`;
        const total = (await api(`/api/v1/stats?${q}`)).rows[0];
        assert.ok(total.spans > 0, 'the window has the demo\'s spans');
        assert.equal(await page.getAttribute('[data-testid=total-spans]', 'data-value'), String(total.spans), 'spans');
        assert.equal(await page.getAttribute('[data-testid=total-tokens]', 'data-value'), String(total.total_tokens), 'tokens');
        assert.equal(await page.getAttribute('[data-testid=total-cost]', 'data-value'), String(total.cost_usd), 'cost');

        await page.waitForSelector('[data-testid=by-agent] tr[data-key]');
        for (const [dim, testid] of [['agent', 'by-agent'], ['model', 'by-model'], ['provider', 'by-provider']]) {
          const want = (await api(`/api/v1/stats?${q}&group_by=${dim}`)).rows.filter((r) => r[dim] !== null);
          const got = await page.$$eval(`[data-testid=${testid}] tr[data-key]`, (els) => els.map((e) => ({ key: e.dataset.key, tokens: e.dataset.tokens, cost: e.dataset.cost })));
          for (const w of want) {
            const g = got.find((x) => x.key === w[dim]);
            assert.ok(g, `${testid}: a row for ${w[dim]}`);
            assert.equal(g.tokens, String(w.total_tokens), `${testid} ${w[dim]}: tokens`);
            assert.equal(g.cost, String(w.cost_usd), `${testid} ${w[dim]}: cost`);
          }
        }
        const agentRows = await page.$$eval('[data-testid=by-agent] tr[data-key]', (els) => els.map((e) => e.dataset.key));
        for (const a of AGENTS) assert.ok(agentRows.includes(a), `by-agent lists ${a}`);

        // Unpriced: the models with tokens the price table does not know.
        const models = (await api(`/api/v1/stats?${q}&group_by=model`)).rows.filter((r) => r.model && r.total_tokens > 0).map((r) => r.model);
        const prices = await api(`/api/v1/prices?${models.map((m) => `model=${encodeURIComponent(m)}`).join('&')}`);
        const unpriced = prices.models.filter((m) => !m.priced).map((m) => m.model);
        assert.ok(unpriced.includes('e2e-local-model'), 'the supplementary trace\'s model has no price');
        await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-testid=unpriced-models]')?.dataset.count ?? ''));
        assert.equal(await page.getAttribute('[data-testid=unpriced-models]', 'data-count'), String(unpriced.length));
        const listed = await page.$$eval('[data-testid=unpriced-model]', (els) => els.map((e) => e.dataset.model));
        assert.deepEqual(sorted(listed), sorted(unpriced), 'unpriced models listed');

        for (const c of ['chart-tokens', 'chart-cost']) {
          const chart = page.locator(`[data-testid=${c}]`);
          await chart.waitFor();
          const box = await chart.boundingBox();
          assert.ok(box.width > 100 && box.height > 50, `${c} drawn (${JSON.stringify(box)})`);
          assert.ok(Number(await chart.getAttribute('data-series')) > 0, `${c} has series`);
        }
        const chartSum = Number(await page.getAttribute('[data-testid=chart-tokens]', 'data-sum'));
        assert.equal(chartSum, total.total_tokens, 'the token chart\'s buckets add up to the total');
        await noHorizontalOverflow(page, 'dashboard');
        await shot(page, t, 'dashboard');
      });
    });

    test('findings page: the findings, newest first; clicking one opens its trace with the finding selected', async (t) => {
      await withPage(async (page) => {
        await open(page, '/findings');
        await page.waitForSelector('[data-testid=findings-list] [data-testid=finding-row]');
        const want = (await api('/api/v1/findings?since=7d&limit=100')).findings;
        const got = await page.$$eval('[data-testid=finding-row]', (els) => els.map((e) => `${e.dataset.kind}|${e.dataset.traceId}|${e.dataset.key}`));
        assert.deepEqual(got, want.map((f) => `${f.kind}|${f.trace_id}|${f.key}`), 'rows = /api/v1/findings in its order');
        for (const k of DEMO_KINDS) assert.ok(got.includes(`${k}|${demoId}|${want.find((f) => f.kind === k && f.trace_id === demoId).key}`), `lists the demo's ${k}`);
        assert.ok(want.some((f) => f.kind === 'broken_propagation'), 'broken_propagation listed');
        await noHorizontalOverflow(page, 'findings');
        await shot(page, t, 'findings');

        const comb = want.find((f) => f.kind === 'comb' && f.trace_id === demoId);
        await page.locator(`[data-testid=finding-row][data-key="${comb.key}"][data-trace-id="${demoId}"] [data-testid=finding-link]`).click();
        await page.waitForURL((u) => u.pathname === `/traces/${demoId}` && u.searchParams.get('finding') === comb.key);
        const item = page.locator(`[data-testid=finding-item][data-key="${comb.key}"]`);
        await item.waitFor();
        await page.waitForFunction((k) => document.querySelector(`[data-testid=finding-item][data-key="${k}"]`)?.classList.contains('active'), comb.key);
        await page.locator(`[data-testid=span-detail][data-span-id="${comb.span_ids[0]}"]`).waitFor();
        const hl = await page.$$eval('[data-testid=span-row].hl', (els) => els.map((e) => e.dataset.spanId));
        assert.deepEqual(sorted(hl), sorted(comb.span_ids), 'the finding\'s spans highlighted');
        const sel = await page.$eval('[data-testid=span-row][aria-selected=true]', (e) => e.dataset.spanId);
        assert.equal(sel, comb.span_ids[0], 'its first span selected');
        await shot(page, t, 'waterfall-finding-from-findings-page');
      });
    });

    test('dark theme toggles and persists; no horizontal overflow at 1280x800 in either theme', async (t) => {
      await withPage(async (page) => {
        await openTrace(page, `/traces/${demoId}`);
        const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
        const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const luminance = (c) => {
          const [r, g, b] = c.match(/[\d.]+/g).map(Number);
          return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
        };
        assert.equal(await theme(), 'light');
        const lightBg = await bg();
        await page.getByRole('button', { name: 'Toggle theme' }).click();
        assert.equal(await theme(), 'dark');
        const darkBg = await bg();
        assert.notEqual(darkBg, lightBg, 'the background changes');
        assert.ok(luminance(darkBg) < 0.35 && luminance(lightBg) > 0.65, `dark is dark (${darkBg}) and light is light (${lightBg})`);
        await noHorizontalOverflow(page, 'waterfall (dark)');
        await shot(page, t, 'waterfall-dark');
        for (const [p, name] of [['/', 'trace-list'], [`/traces/${demoId}/graph`, 'graph-trace'], ['/dashboard', 'dashboard'], ['/findings', 'findings']]) {
          await open(page, p);
          await page.waitForLoadState('networkidle');
          assert.equal(await theme(), 'dark', `${p}: the theme persists`);
          await noHorizontalOverflow(page, `${p} (dark)`);
          await shot(page, t, `${name}-dark`);
        }
        await page.getByRole('button', { name: 'Toggle theme' }).click();
        assert.equal(await theme(), 'light');
      });
    });

    test('the whole run: no console error, no request to any host but the server', () => {
      assert.ok(ctx, 'the browser ran');
      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(foreign, []);
    });
  });
}
