'use strict';
// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// no browser is downloaded) against our C echo server.
//
// usage: node chromium_test.js http://127.0.0.1:PORT/ OUT_DIR [WIRE_JSON]
//
// PORT is normally that of ws_wire_tap.py, a relay in front of the echo
// server that forwards the bytes unchanged and writes what it saw on the
// wire to WIRE_JSON: the page and every WebSocket go through it.
//
// 1. Loads the demo page and uses its UI once: types into the text box,
//    clicks send, and waits for the echo in the page's log.
// 2. From page JS opens a WebSocket to the same origin (path /matrix) and
//    echoes text (multi-byte UTF-8) and binary messages of every size in the
//    matrix, checked byte for byte, then closes with 4000 "bye" and expects
//    the server's echoed 4000 "bye" with wasClean.
// 3. permessage-deflate must have been negotiated: `ws.extensions` of both
//    sockets names it (WSDRIVER_EXPECT_DEFLATE=0 makes that a note only).
// 4. With WIRE_JSON, after the browser closed: the 101 accepted
//    permessage-deflate, data frames with RSV1 (compressed) crossed the wire
//    both ways, the 1 MiB text message took far fewer bytes on the wire than
//    its size each way, every matrix message inflates to the size sent, the
//    close frames carried 4000 "bye", and the relay saw no anomaly.
// Writes OUT_DIR/chromium.json ({extensions, deflate, wire, ...}) and
// OUT_DIR/demo.png (the page after the UI exchange).

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { SIZES, Results, withTimeout } = require('./common');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const EXPECT_DEFLATE = process.env.WSDRIVER_EXPECT_DEFLATE !== '0';
const MATRIX_PATH = '/matrix';
// The wire must carry the 1 MiB text message in under 1/RATIO of its size.
const MIN_RATIO = 10;
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Runs in the page before its own scripts: records every WebSocket the page
// opens and what it receives, without changing its behaviour.
function recordSockets() {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__binaryReceived = 0;
  class Recorded extends Native {
    constructor(...args) {
      super(...args);
      const rec = { ws: this, url: String(args[0]), received: [], closed: null };
      window.__sockets.push(rec);
      this.addEventListener('message', (e) => {
        if (typeof e.data === 'string') rec.received.push(e.data);
        else window.__binaryReceived++;
      });
      this.addEventListener('close', (e) => {
        rec.closed = { code: e.code, reason: e.reason, wasClean: e.wasClean };
      });
    }
  }
  window.WebSocket = Recorded;
}

// Runs in the page: the size matrix over a fresh WebSocket (same origin
// unless `url` is given).
async function matrix({ sizes, stepMs, path, url }) {
  const results = [];
  const ok = (name, cond, why, note) => results.push({ name, ok: !!cond, why, note });
  const UNIT = 'aé€😀'; // 1 + 2 + 3 + 4 bytes
  const enc = new TextEncoder();
  const textOf = (n) => 'x'.repeat(n % 10) + UNIT.repeat(Math.floor(n / 10));
  let seed = 0x2545f491;
  const binaryOf = (n) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      b[i] = seed & 0xff;
    }
    return b;
  };
  const sizeName = (n) => (n >= 1 << 20 && n % (1 << 20) === 0 ? `${n >> 20}MiB` : String(n));
  const timeout = (p, ms, what) =>
    Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: nothing within ${ms / 1000}s`)), ms))]);

  // Same origin, or `url` (another server: chromium_python_server.js).
  const ws = new WebSocket(url || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`);
  ws.binaryType = 'arraybuffer';
  const queue = [];
  const waiters = [];
  let closeEvent = null;
  const closed = new Promise((resolve) => ws.addEventListener('close', (e) => {
    closeEvent = { code: e.code, reason: e.reason, wasClean: e.wasClean };
    for (const w of waiters.splice(0)) w.reject(new Error(`connection closed (${e.code} ${e.reason})`));
    resolve(closeEvent);
  }));
  ws.addEventListener('message', (e) => {
    const w = waiters.shift();
    if (w) w.resolve(e.data);
    else queue.push(e.data);
  });
  const next = () => {
    if (queue.length) return Promise.resolve(queue.shift());
    if (closeEvent) return Promise.reject(new Error(`connection closed (${closeEvent.code})`));
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  };
  try {
    await timeout(new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', () => reject(new Error('error event before open')));
    }), stepMs, 'open');
  } catch (e) {
    ok('open', false, e.message);
    return { results, extensions: null };
  }
  ok('open', true, '', `extensions: ${ws.extensions || 'none'}`);
  const extensions = ws.extensions;
  let silent = false;

  for (const n of sizes) {
    for (const kind of ['text', 'binary']) {
      const name = `${kind} ${sizeName(n)}`;
      if (ws.readyState !== WebSocket.OPEN || silent) {
        ok(name, false, silent ? 'skipped: no echo for an earlier message' : 'skipped: connection gone');
        continue;
      }
      try {
        if (kind === 'text') {
          const s = textOf(n);
          if (enc.encode(s).length !== n) throw new Error('bad test text');
          ws.send(s);
          const got = await timeout(next(), stepMs, 'echo');
          if (typeof got !== 'string') ok(name, false, 'echo is binary');
          else if (got === s) ok(name, true);
          else {
            let i = 0;
            while (i < s.length && s[i] === got[i]) i++;
            ok(name, false, `length ${got.length} (expected ${s.length} UTF-16 units), first difference at ${i}`);
          }
        } else {
          const b = binaryOf(n);
          ws.send(b);
          const got = await timeout(next(), stepMs, 'echo');
          if (typeof got === 'string') ok(name, false, 'echo is text');
          else {
            const g = new Uint8Array(got);
            let i = 0;
            while (i < b.length && i < g.length && b[i] === g[i]) i++;
            ok(name, g.length === b.length && i === b.length, `length ${g.length}, expected ${b.length}, first difference at ${i}`);
          }
        }
      } catch (e) {
        ok(name, false, e.message);
        silent = true;
      }
    }
  }

  const buffered = ws.bufferedAmount;
  try {
    ws.close(4000, 'bye');
    const c = await timeout(closed, stepMs, 'close');
    ok(
      "close 4000 'bye' echoed",
      c.code === 4000 && c.reason === 'bye' && c.wasClean,
      `close event code=${c.code} reason=${JSON.stringify(c.reason)} wasClean=${c.wasClean}`,
    );
  } catch (e) {
    ok("close 4000 'bye' echoed", false, `${e.message} (bufferedAmount was ${buffered})`);
  }
  return { results, extensions };
}

async function main() {
  const [url, outDir, wireJson] = process.argv.slice(2);
  const res = new Results('chromium');
  const report = { url, chromium: null, extensions: null, deflate: null, demoPageExtensions: null };
  // A fresh profile, under OUT_DIR so that one left by a killed run is
  // removed by the next (scripts/test-interop.sh).
  const userDataDir = fs.mkdtempSync(path.join(outDir, 'chromium-profile-'));
  let context;
  try {
    context = await withTimeout(
      chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ARGS,
        timeout: 30000,
      }),
      40000,
      'launch',
    );
    report.chromium = context.browser() ? context.browser().version() : null;
    const page = context.pages()[0] || (await context.newPage());
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') res.info(`console error: ${m.text()} (${m.location().url})`);
    });
    await page.addInitScript(recordSockets);

    // --- the demo page and its UI ---
    const resp = await page.goto(url, { waitUntil: 'load', timeout: 15000 });
    const ctype = resp ? resp.headers()['content-type'] || '' : '';
    res.check('demo page loads', resp && resp.status() === 200 && /text\/html/.test(ctype),
      `status ${resp && resp.status()}, content-type ${ctype}`);
    res.info(`page title: ${JSON.stringify(await page.title())}`);

    let pageSocket = null;
    try {
      await page.waitForFunction(() => window.__sockets.some((s) => s.ws.readyState === 1), null, { timeout: 10000 });
      pageSocket = await page.evaluate(() => {
        const s = window.__sockets.find((r) => r.ws.readyState === 1);
        return { url: s.url, extensions: s.ws.extensions };
      });
      res.ok('demo page opens its WebSocket', `${pageSocket.url}, extensions: ${pageSocket.extensions || 'none'}`);
      report.demoPageExtensions = pageSocket.extensions;
    } catch (e) {
      const seen = await page.evaluate(() => window.__sockets.map((s) => ({ url: s.url, state: s.ws.readyState, closed: s.closed })));
      res.fail('demo page opens its WebSocket', `none open after 10s; sockets: ${JSON.stringify(seen)}`);
    }

    const msg = `héllo from chromium 😀 ${Date.now()}`;
    try {
      const box = page.locator('input[type=text], input:not([type]), textarea').first();
      await box.fill('', { timeout: 5000 }); // the demo may prefill it
      await box.pressSequentially(msg, { timeout: 10000 });
      let button = page.getByRole('button', { name: /send/i }).first();
      if ((await button.count()) === 0) button = page.locator('button, input[type=submit], input[type=button]').first();
      await button.click({ timeout: 5000 });
      await page.waitForFunction((m) => window.__sockets.some((s) => s.received.includes(m)), msg, { timeout: 10000 });
      res.ok('demo UI: typed message echoed over the WebSocket');
      // The page shows it: a line of its text holds the message and is not
      // the page's own record of what it sent.
      await page.waitForFunction(
        (m) => document.body.innerText.split('\n').some((l) => l.includes(m) && !/^\s*(sent|>|you)/i.test(l)),
        msg,
        { timeout: 5000 },
      );
      res.ok('demo UI: echo shown in the log');
      const binButton = page.getByRole('button', { name: /binary/i }).first();
      if ((await binButton.count()) > 0) {
        const before = await page.evaluate(() => window.__binaryReceived);
        await binButton.click({ timeout: 5000 });
        await page.waitForFunction((b) => window.__binaryReceived > b, before, { timeout: 10000 });
        res.ok('demo UI: binary message echoed');
      }
    } catch (e) {
      const text = await page.evaluate(() => document.body.innerText).catch(() => '?');
      res.fail('demo UI round trip', `${e.message.split('\n')[0]}; page text: ${JSON.stringify(text.slice(0, 300))}`);
    }
    await page.screenshot({ path: path.join(outDir, 'demo.png') }).catch((e) => res.info(`screenshot: ${e.message}`));
    res.check('demo page has no uncaught JS errors', pageErrors.length === 0, pageErrors.join(' | '));

    // --- the size matrix from page JS ---
    const t0 = Date.now();
    const out = await withTimeout(page.evaluate(matrix, { sizes: SIZES, stepMs: 30000, path: MATRIX_PATH }), 120000, 'matrix');
    for (const r of out.results) res.check(r.name, r.ok, r.why, r.note);
    res.info(`matrix took ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    report.extensions = out.extensions;
    report.deflate = typeof out.extensions === 'string' && /permessage-deflate/.test(out.extensions);
    console.log(`chromium: permessage-deflate negotiated: ${report.deflate ? 'yes' : 'no'} (ws.extensions=${JSON.stringify(out.extensions)})`);
    const demoDeflate = /permessage-deflate/.test(report.demoPageExtensions || '');
    const why = `ws.extensions=${JSON.stringify(out.extensions)}, demo page ws.extensions=${JSON.stringify(report.demoPageExtensions)}`;
    if (EXPECT_DEFLATE) res.check('permessage-deflate negotiated (ws.extensions of both sockets)', report.deflate && demoDeflate, why, why);
    else res.info(`WSDRIVER_EXPECT_DEFLATE=0: not checked; ${why}`);
  } catch (e) {
    res.fail('run', e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
  } finally {
    if (context) await withTimeout(context.close(), 10000, 'close browser').catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  if (wireJson) {
    try {
      report.wire = await checkWire(res, wireJson);
    } catch (e) {
      res.fail('wire: checks', e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
    }
  }
  report.passed = res.passed;
  report.failed = res.failed;
  try {
    fs.writeFileSync(path.join(outDir, 'chromium.json'), JSON.stringify(report, null, 2) + '\n');
  } catch (e) {
    res.info(`cannot write chromium.json: ${e.message}`);
  }
  process.exitCode = res.exitCode();
}

// Reads the relay's summary once every connection through it has ended (the
// browser is closed by now), at most `ms` later; null if it never appeared.
async function readWire(file, ms) {
  const until = Date.now() + ms;
  let last = null;
  for (;;) {
    try {
      last = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (last.active === 0 && last.connections.length > 0) return last;
    } catch (e) {
      // not written yet, or being replaced
    }
    if (Date.now() > until) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// What ws_wire_tap.py saw: the checks of step 4 (see the top of this file).
async function checkWire(res, file) {
  const w = await readWire(file, 15000);
  if (!w) {
    res.fail('wire: relay summary', `${file} was not written`);
    return null;
  }
  if (w.active !== 0) res.info(`wire: ${w.active} connection(s) still open through the relay after 15s`);
  const conns = w.connections;
  const page = conns.find((c) => c.kind === 'http' && c.request.method === 'GET' && c.request.path === '/');
  const sockets = conns.filter((c) => c.kind === 'websocket');
  const mx = sockets.find((c) => c.request.path === MATRIX_PATH);
  res.check(
    'wire: page and both WebSockets went through the relay',
    page && page.response && page.response.status === 200 && sockets.length >= 2 && mx && !mx.open,
    `connections: ${JSON.stringify(conns.map((c) => [c.kind, c.request && c.request.line, c.response && c.response.status]))}`,
    `${conns.length} connections: ${conns.map((c) => `${c.kind}${c.request ? ' ' + c.request.path : ''}`).join(', ')}`,
  );
  const summary = { connections: conns.length, websockets: sockets.length, anomalies: w.anomalies.length };
  if (!mx) return summary;

  const hdrs = sockets.map((c) => `${c.request.path}: offered ${JSON.stringify(c.request.extensions)}, accepted ${JSON.stringify(c.response.extensions)}`);
  summary.offered = mx.request.extensions;
  summary.accepted = mx.response.extensions;
  const deflateAccepted = sockets.every((c) => /permessage-deflate/.test(c.response.extensions || ''));
  if (EXPECT_DEFLATE) res.check("wire: server's 101 accepted permessage-deflate (Sec-WebSocket-Extensions)", deflateAccepted, hdrs.join('; '), hdrs.join('; '));
  else res.info(`wire: ${hdrs.join('; ')}`);

  const dirs = [
    ['client_to_server', 'client→server'],
    ['server_to_client', 'server→client'],
  ];
  for (const [key, arrow] of dirs) {
    const d = mx[key];
    const rsv1 = Object.entries(d.by_opcode).map(([op, s]) => `${op} ${s.rsv1}/${s.frames}`).join(', ');
    summary[key] = {
      frames: d.frames,
      rsv1DataFrames: d.rsv1_data_frames,
      compressedMessages: d.compressed_messages,
      messages: d.messages,
      wireBytes: d.data_wire_bytes,
      messageBytes: d.message_bytes,
    };
    const note = `${d.rsv1_data_frames} data frames with RSV1; RSV1/frames per opcode: ${rsv1}; ` +
      `${d.data_wire_bytes} payload bytes on the wire for ${d.message_bytes} message bytes`;
    if (EXPECT_DEFLATE) res.check(`wire: compressed (RSV1) data frames ${arrow}`, d.rsv1_data_frames >= 1, note, note);
    else res.info(`wire: ${arrow}: ${note}`);

    // The big compressible text: 1 MiB (and 16 MiB) of repeated multi-byte UTF-8.
    for (const n of [1 << 20, 16 << 20]) {
      const m = d.message_list.find((x) => x.opcode === 'text' && x.message_bytes === n);
      const label = `${n >> 20}MiB`;
      const ratio = m && m.wire_bytes ? m.message_bytes / m.wire_bytes : null;
      summary[key][`text${label}`] = m ? { wireBytes: m.wire_bytes, messageBytes: m.message_bytes, ratio: ratio && +ratio.toFixed(1) } : null;
      const desc = m ? `${m.message_bytes} bytes of text took ${m.wire_bytes} payload bytes on the wire in ${m.frames} frame(s), ${ratio ? ratio.toFixed(1) : '∞'}:1` : 'no such message seen';
      if (n === 1 << 20 && EXPECT_DEFLATE) {
        res.check(`wire: ${label} text compressed ${arrow} (under 1/${MIN_RATIO} of its size)`,
          m && m.compressed && m.wire_bytes * MIN_RATIO < m.message_bytes, desc, desc);
      } else {
        res.info(`wire: ${label} text ${arrow}: ${desc}`);
      }
    }

    // Every matrix message, in order, inflates (or is) exactly the size sent.
    const want = SIZES.flatMap((n) => [`text ${n}`, `binary ${n}`]);
    const got = d.message_list.map((x) => `${x.opcode} ${x.message_bytes}`);
    res.check(`wire: ${arrow} messages are the matrix, sizes after inflating`,
      JSON.stringify(got) === JSON.stringify(want), `got [${got.join(', ')}], expected [${want.join(', ')}]`,
      `${d.messages} messages, ${d.compressed_messages} compressed`);
    res.check(`wire: close 4000 'bye' ${arrow}`, d.close && d.close.code === 4000 && d.close.reason === 'bye',
      `close frame: ${JSON.stringify(d.close)}`);
  }
  res.check('wire: no anomaly (masking, RSV bits, opcodes, inflate)', w.anomalies.length === 0, w.anomalies.slice(0, 5).join(' | '));
  const c = summary.client_to_server, s = summary.server_to_client;
  console.log(`chromium: wire: RSV1 data frames client→server ${c.rsv1DataFrames}/${c.messages}, ` +
    `server→client ${s.rsv1DataFrames}/${s.messages}; 1MiB text on the wire: ` +
    `${c.text1MiB ? c.text1MiB.wireBytes : '?'} B up, ${s.text1MiB ? s.text1MiB.wireBytes : '?'} B down`);
  return summary;
}

// chromium_h2_test.js runs the same page functions over HTTP/2.
module.exports = { ARGS, recordSockets, matrix };

if (require.main === module) {
  main().catch((e) => {
    console.log(`FAIL chromium crashed: ${e.stack}`);
    process.exitCode = 1;
  });
}
