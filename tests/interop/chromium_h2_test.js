'use strict';
// Headless Chromium against examples/h2 (h2_server): WebSockets over HTTP/2.
//
// usage: node chromium_h2_test.js https://127.0.0.1:PORT/ OUT_DIR [https://127.0.0.1:PORT2/]
//
// PORT is a fresh h2_server (SETTINGS_ENABLE_CONNECT_PROTOCOL sent); PORT2,
// if given, one started with --no-connect-protocol.
// 1. The demo page loads over h2 (ALPN, seen as the page's nextHopProtocol)
//    and its `new WebSocket('wss://...')` opens; its UI echoes a message.
// 2. The size matrix of chromium_test.js from page JS over wss:// with
//    permessage-deflate (ws.extensions names it), close 4000 "bye".
// 3. The server's /stats (fetched by the page, on the same connection):
//    both WebSockets were h2 extended CONNECT streams on the connection that
//    served the page, no connection chose HTTP/1.1, and permessage-deflate
//    was accepted on both.
// 4. PORT2: the page still loads over h2, and its WebSocket falls back to
//    HTTP/1.1 (a second TLS connection with ALPN http/1.1), as RFC 8441 §3
//    says a client must when the setting is missing.
// 5. From Chromium's NetLog: the SETTINGS it sent, and that it received
//    ENABLE_CONNECT_PROTOCOL = 1 (id 8).
// Writes OUT_DIR/chromium-h2.json.

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { SIZES, Results, withTimeout } = require('./common');
const { ARGS, recordSockets, matrix } = require('./chromium_test');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

async function stats(page) {
  return page.evaluate(async () => (await fetch('/stats', { cache: 'no-store' })).json());
}

// Loads the page and waits for its WebSocket; returns { protocol, socket }.
async function loadPage(res, page, url, label) {
  const resp = await page.goto(url, { waitUntil: 'load', timeout: 15000 });
  const protocol = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
  res.check(`${label}: page loads over h2`, resp && resp.status() === 200 && protocol === 'h2',
    `status ${resp && resp.status()}, nextHopProtocol ${protocol}`, `nextHopProtocol ${protocol}`);
  try {
    await page.waitForFunction(() => window.__sockets.some((s) => s.ws.readyState === 1), null, { timeout: 10000 });
    const socket = await page.evaluate(() => {
      const s = window.__sockets.find((r) => r.ws.readyState === 1);
      return { url: s.url, extensions: s.ws.extensions };
    });
    res.ok(`${label}: demo page opens its WebSocket`, `${socket.url}, extensions: ${socket.extensions || 'none'}`);
    return { protocol, socket };
  } catch (e) {
    const seen = await page.evaluate(() => window.__sockets.map((s) => ({ url: s.url, state: s.ws.readyState, closed: s.closed })));
    res.fail(`${label}: demo page opens its WebSocket`, `none open after 10s; sockets: ${JSON.stringify(seen)}`);
    return { protocol, socket: null };
  }
}

// What Chromium's NetLog says about the HTTP/2 SETTINGS both ways.
function netlogSettings(file) {
  const text = fs.readFileSync(file, 'utf8');
  let log;
  try {
    log = JSON.parse(text);
  } catch (e) {
    // Written incrementally: a log cut short lacks its closing brackets.
    log = JSON.parse(text.replace(/,\s*$/, '') + ']}');
  }
  const names = Object.fromEntries(Object.entries(log.constants.logEventTypes).map(([k, v]) => [v, k]));
  const sent = [];
  const received = [];
  for (const e of log.events || []) {
    const type = names[e.type];
    if (type === 'HTTP2_SESSION_SEND_SETTINGS' && e.params) sent.push(...(e.params.settings || []));
    if (type === 'HTTP2_SESSION_RECV_SETTING' && e.params) received.push(`${e.params.id} = ${e.params.value}`);
  }
  return { sent: [...new Set(sent)], received: [...new Set(received)] };
}

async function main() {
  const [url, outDir, url2] = process.argv.slice(2);
  const res = new Results('chromium-h2');
  const report = { url, chromium: null, alpn: null, extensions: null, stats: null, fallback: null, settings: null };
  const userDataDir = fs.mkdtempSync(path.join(outDir, 'chromium-profile-'));
  const netlog = path.join(outDir, 'chromium-h2-netlog.json');
  fs.rmSync(netlog, { force: true });
  let context;
  try {
    context = await withTimeout(
      chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        // The example's certificate is self-signed, made at start-up.
        args: [...ARGS, '--ignore-certificate-errors', `--log-net-log=${netlog}`],
        timeout: 30000,
      }),
      40000,
      'launch',
    );
    report.chromium = context.browser() ? context.browser().version() : null;
    const page = context.pages()[0] || (await context.newPage());
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.addInitScript(recordSockets);

    // --- 1. the page and its socket over one h2 connection ---
    const first = await loadPage(res, page, url, 'h2');
    report.alpn = first.protocol;
    const msg = `héllo over h2 😀 ${Date.now()}`;
    try {
      const box = page.locator('#msg');
      await box.fill(msg, { timeout: 5000 });
      await page.locator('#send').click({ timeout: 5000 });
      await page.waitForFunction((m) => window.__sockets.some((s) => s.received.includes(m)), msg, { timeout: 10000 });
      res.ok('demo UI: typed message echoed over the h2 WebSocket');
    } catch (e) {
      res.fail('demo UI round trip', e.message.split('\n')[0]);
    }

    // --- 2. the matrix over wss:// ---
    const t0 = Date.now();
    const out = await withTimeout(page.evaluate(matrix, { sizes: SIZES, stepMs: 30000, path: '/matrix' }), 120000, 'matrix');
    for (const r of out.results) res.check(r.name, r.ok, r.why, r.note);
    res.info(`matrix took ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    report.extensions = out.extensions;
    res.check('permessage-deflate negotiated (ws.extensions of both sockets)',
      /permessage-deflate/.test(out.extensions || '') && /permessage-deflate/.test((first.socket || {}).extensions || ''),
      `matrix ${JSON.stringify(out.extensions)}, demo ${JSON.stringify(first.socket && first.socket.extensions)}`);

    // --- 3. the server's counts ---
    const s = await stats(page);
    report.stats = s;
    res.info(`/stats: ${JSON.stringify({ connections: s.connections, pages: s.pages, websockets: s.websockets, deflate: s.deflate, on_page_connection: s.h2_websockets_on_page_connection })}`);
    res.check('server: both WebSockets were h2 extended CONNECT streams, none HTTP/1.1',
      s.websockets.h2 === 2 && s.websockets['http/1.1'] === 0, JSON.stringify(s.websockets));
    res.check('server: on the connection that served the page', s.h2_websockets_on_page_connection === 2,
      `${s.h2_websockets_on_page_connection} of ${s.websockets.h2}`);
    // Chromium may open a spare connection; every one must have chosen h2.
    res.check('server: every TLS connection chose h2 by ALPN', s.connections.h2 >= 1 && s.connections['http/1.1'] === 0,
      JSON.stringify(s.connections), JSON.stringify(s.connections));
    res.check('server: permessage-deflate accepted on both', s.deflate.h2 === 2, JSON.stringify(s.deflate));
    // Half the matrix is random binary, half text that deflates 50:1 or
    // more: compressed both ways, the DATA is well under the messages' size.
    const b = s.h2_bytes;
    const bytesNote = `DATA in ${b.data_in} B, out ${b.data_out} B, messages ${b.messages} B`;
    res.check('server: DATA compressed both ways (under 60% of the message bytes)',
      b.messages > 0 && b.data_in < 0.6 * b.messages && b.data_out < 0.6 * b.messages, bytesNote, bytesNote);
    const req = Object.fromEntries(s.last_connect_request);
    res.check("Chromium's request: :protocol websocket, :scheme https, version 13, no key",
      req[':method'] === 'CONNECT' && req[':protocol'] === 'websocket' && req[':scheme'] === 'https' &&
      req['sec-websocket-version'] === '13' && !('sec-websocket-key' in req),
      JSON.stringify(s.last_connect_request));
    console.log(`chromium-h2: request fields: ${s.last_connect_request.map(([n, v]) => `${n}: ${v}`).join(' | ')}`);
    console.log(`chromium-h2: answer fields: ${s.last_connect_answer.map(([n, v]) => `${n}: ${v}`).join(' | ')}`);
    res.check('demo page has no uncaught JS errors', pageErrors.length === 0, pageErrors.join(' | '));

    // --- 4. a server without the setting: HTTP/1.1 WebSocket ---
    if (url2) {
      const second = await loadPage(res, page, url2, 'no setting');
      const s2 = await stats(page);
      report.fallback = s2;
      res.check('no setting: the WebSocket fell back to HTTP/1.1 on the same port',
        second.socket && s2.websockets.h2 === 0 && s2.websockets['http/1.1'] === 1 && s2.connections['http/1.1'] >= 1,
        JSON.stringify({ websockets: s2.websockets, connections: s2.connections }));
    }
  } catch (e) {
    res.fail('run', e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
  } finally {
    if (context) await withTimeout(context.close(), 10000, 'close browser').catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }

  // --- 5. SETTINGS, from the NetLog written at exit ---
  try {
    report.settings = netlogSettings(netlog);
    console.log(`chromium-h2: SETTINGS sent: ${report.settings.sent.join(', ')}`);
    console.log(`chromium-h2: SETTINGS received: ${report.settings.received.join(', ')}`);
    res.check('NetLog: Chromium received SETTINGS_ENABLE_CONNECT_PROTOCOL = 1',
      report.settings.received.some((r) => /^8 .*= 1$|ENABLE_CONNECT_PROTOCOL.*= 1$/.test(r)),
      report.settings.received.join(', '));
  } catch (e) {
    res.info(`NetLog not readable: ${e.message}`);
  }
  report.passed = res.passed;
  report.failed = res.failed;
  fs.writeFileSync(path.join(outDir, 'chromium-h2.json'), JSON.stringify(report, null, 2) + '\n');
  process.exitCode = res.exitCode();
}

main().catch((e) => {
  console.log(`FAIL chromium-h2 crashed: ${e.stack}`);
  process.exitCode = 1;
});
