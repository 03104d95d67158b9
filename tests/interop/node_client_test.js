'use strict';
// Node `ws` client against an echo server (our C echo server).
//
// usage: node node_client_test.js ws://127.0.0.1:PORT/
//
// Runs the size matrix (text with multi-byte UTF-8, binary) twice: offering
// permessage-deflate (ws' client default) and without, then ping/pong and a
// close with 4000 "bye", which our server echoes.

const WebSocket = require('ws');
const { SIZES, textOf, binaryOf, sizeName, firstDiff, Results, withTimeout } = require('./common');

const STEP_MS = 30000;

// Messages and pongs arrive in order; waiters take them one at a time.
function inbox(ws) {
  const queue = [];
  const waiters = [];
  let closed = null;
  const push = (item) => {
    const w = waiters.shift();
    if (w) w.resolve(item);
    else queue.push(item);
  };
  ws.on('message', (data, isBinary) => push({ type: 'message', data, isBinary }));
  ws.on('pong', (data) => push({ type: 'pong', data }));
  ws.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    for (const w of waiters.splice(0)) w.reject(new Error(`connection closed (${code} ${reason})`));
  });
  return {
    next() {
      if (queue.length) return Promise.resolve(queue.shift());
      if (closed) return Promise.reject(new Error(`connection closed (${closed.code})`));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
  };
}

async function run(url, deflate, label, res) {
  const ws = new WebSocket(url, {
    perMessageDeflate: deflate,
    maxPayload: 64 << 20,
    handshakeTimeout: 10000,
  });
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const box = inbox(ws);
  try {
    await withTimeout(
      new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
      STEP_MS,
      'open',
    );
  } catch (e) {
    res.fail(`${label} connect`, e.message);
    return;
  }
  ws.on('error', (e) => res.info(`${label} error event: ${e.message}`));
  res.ok(`${label} connect`, `extensions: ${ws.extensions || 'none'}`);
  if (!deflate) res.check(`${label} no extension unless offered`, !ws.extensions, `server sent ${ws.extensions}`);

  let alive = true;
  for (const n of SIZES) {
    for (const kind of ['text', 'binary']) {
      const name = `${label} ${kind} ${sizeName(n)}`;
      if (!alive) {
        res.fail(name, 'skipped after an earlier failure');
        continue;
      }
      const payload = kind === 'text' ? textOf(n) : binaryOf(n);
      try {
        ws.send(payload, { binary: kind === 'binary' });
        const m = await withTimeout(box.next(), STEP_MS, 'echo');
        if (m.type !== 'message') {
          res.fail(name, `got ${m.type} instead of the echo`);
          continue;
        }
        if (m.isBinary !== (kind === 'binary')) {
          res.fail(name, `echo is ${m.isBinary ? 'binary' : 'text'}`);
          continue;
        }
        if (kind === 'text') {
          const s = m.data.toString('utf8');
          res.check(name, s === payload, firstDiff(payload, s));
        } else {
          res.check(name, Buffer.compare(m.data, payload) === 0, firstDiff(payload, m.data));
        }
      } catch (e) {
        res.fail(name, e.message);
        // Gone, or silent: either way the rest would only wait.
        alive = false;
      }
    }
  }

  if (alive) {
    for (const [what, data] of [
      ['ping/pong', Buffer.from('interop-ping')],
      ['empty ping/pong', Buffer.alloc(0)],
    ]) {
      try {
        ws.ping(data);
        const m = await withTimeout(box.next(), STEP_MS, 'pong');
        res.check(
          `${label} ${what}`,
          m.type === 'pong' && Buffer.compare(m.data, data) === 0,
          `got ${m.type} ${JSON.stringify(m.data.toString())}`,
        );
      } catch (e) {
        res.fail(`${label} ${what}`, e.message);
      }
    }
  }

  try {
    ws.close(4000, 'bye');
    const c = await withTimeout(closed, STEP_MS, 'close');
    res.check(
      `${label} close 4000 'bye' echoed`,
      c.code === 4000 && c.reason === 'bye',
      `close event ${c.code} ${JSON.stringify(c.reason)}`,
    );
  } catch (e) {
    res.fail(`${label} close`, e.message);
    ws.terminate();
  }
}

async function main() {
  const url = process.argv[2];
  const res = new Results('node-ws');
  await run(url, true, '[deflate offered]', res);
  await run(url, false, '[no deflate]', res);
  process.exitCode = res.exitCode();
}

main().catch((e) => {
  console.log(`FAIL node-ws crashed: ${e.stack}`);
  process.exitCode = 1;
});
