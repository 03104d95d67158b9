'use strict';
// Headless Chromium against the Python echo server
// (examples/python/asyncio_echo_server.py on wsdriver.asyncio).
//
// usage: node chromium_python_server.js PAGE_URL WS_URL OUT_DIR
//
// The Python server serves no page: Chromium loads PAGE_URL (the C echo
// server's demo page, also on 127.0.0.1) and, from that page's JS, runs
// chromium_test.js's size matrix (text with multi-byte UTF-8 and binary,
// 0 B .. 16 MiB, checked byte for byte, then close 4000 "bye") over a
// WebSocket to WS_URL. permessage-deflate must be negotiated
// (WSDRIVER_EXPECT_DEFLATE=0 makes that a note only).

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { SIZES, Results, withTimeout } = require('./common');
const { ARGS, matrix } = require('./chromium_test');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const EXPECT_DEFLATE = process.env.WSDRIVER_EXPECT_DEFLATE !== '0';

async function main() {
  const [pageUrl, wsUrl, outDir] = process.argv.slice(2);
  const res = new Results('chromium->python');
  const userDataDir = fs.mkdtempSync(path.join(outDir, 'chromium-profile-'));
  let context;
  try {
    context = await withTimeout(
      chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30000 }),
      40000,
      'launch',
    );
    const page = context.pages()[0] || (await context.newPage());
    const resp = await page.goto(pageUrl, { waitUntil: 'load', timeout: 15000 });
    res.info(`page ${pageUrl}: status ${resp && resp.status()}`);
    const t0 = Date.now();
    const out = await withTimeout(page.evaluate(matrix, { sizes: SIZES, stepMs: 30000, url: wsUrl }), 120000, 'matrix');
    for (const r of out.results) res.check(r.name, r.ok, r.why, r.note);
    res.info(`matrix took ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    const deflate = typeof out.extensions === 'string' && /permessage-deflate/.test(out.extensions);
    const why = `ws.extensions=${JSON.stringify(out.extensions)}`;
    if (EXPECT_DEFLATE) res.check('permessage-deflate negotiated', deflate, why, why);
    else res.info(`WSDRIVER_EXPECT_DEFLATE=0: not checked; ${why}`);
  } catch (e) {
    res.fail('run', e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
  } finally {
    if (context) await withTimeout(context.close(), 10000, 'close browser').catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  process.exitCode = res.exitCode();
}

main().catch((e) => {
  console.log(`FAIL chromium->python crashed: ${e.stack}`);
  process.exitCode = 1;
});
