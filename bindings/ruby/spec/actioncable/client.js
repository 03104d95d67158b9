// A real ActionCable client (Node `ws`, the actioncable-v1-json protocol
// as @rails/actioncable speaks it) for spec/actioncable_spec.rb. Runs the
// scenario against ws://HOST/ given as argv[2] and prints one JSON report
// line; every wait is bounded.
'use strict';
const WebSocket = require('ws');
const url = process.argv[2];
const ECHO = JSON.stringify({ channel: 'EchoChannel' });
const BROADCAST = JSON.stringify({ channel: 'BroadcastChannel' });

function connect() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['actioncable-v1-json'], { maxPayload: 8 << 20 });
    const c = { ws, inbox: [], waiters: [], pings: 0, closed: null, binaryFrames: 0 };
    ws.on('message', (data, isBinary) => {
      if (isBinary) c.binaryFrames++;
      const msg = JSON.parse(data.toString());
      if (msg.type === 'ping') { c.pings++; return; }
      c.inbox.push(msg);
      c.waiters.splice(0).forEach((w) => w());
    });
    ws.on('close', (code, reason) => { c.closed = { code, reason: reason.toString() }; c.waiters.splice(0).forEach((w) => w()); });
    ws.on('error', reject);
    ws.on('open', () => resolve(c));
  });
}

// The next message for which pred is true (removed from the inbox).
function next(c, pred, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting (inbox: ${JSON.stringify(c.inbox).slice(0, 300)})`)), ms);
    const look = () => {
      const i = c.inbox.findIndex(pred);
      if (i >= 0) { clearTimeout(timer); resolve(c.inbox.splice(i, 1)[0]); return; }
      c.waiters.push(look);
    };
    look();
  });
}

function until(pred, ms) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => (pred() ? resolve() : Date.now() - t0 > ms ? reject(new Error('timed out')) : setTimeout(tick, 20));
    tick();
  });
}

const send = (c, obj, binary = false) => c.ws.send(binary ? Buffer.from(JSON.stringify(obj)) : JSON.stringify(obj));
const subscribe = (c, id, binary = false) => send(c, { command: 'subscribe', identifier: id }, binary);
const perform = (c, id, data) => send(c, { command: 'message', identifier: id, data: JSON.stringify(data) });
const confirmed = (id) => (m) => m.identifier === id && m.type === 'confirm_subscription';

async function main() {
  const report = {};
  const a = await connect();
  report.protocol = a.ws.protocol;
  report.welcome = (await next(a, (m) => m.type === 'welcome')).type;
  subscribe(a, ECHO);
  await next(a, confirmed(ECHO));
  subscribe(a, BROADCAST, true); // the subscribe command as a binary frame
  await next(a, confirmed(BROADCAST));
  report.subscribed = ['EchoChannel (text frame)', 'BroadcastChannel (binary frame)'];

  perform(a, ECHO, { action: 'whoami' });
  report.whoami = (await next(a, (m) => m.identifier === ECHO && m.message && 'native' in m.message)).message;

  // Echoes from 0 B to 1 MB, each checked.
  const sizes = [0, 1, 125, 126, 127, 1000, 65535, 65536, 100000, 1 << 20];
  for (let i = 0; i < 200; i++) sizes.push((i * 7919) % 20000);
  let checked = 0;
  const t0 = Date.now();
  for (let i = 0; i < sizes.length; i++) {
    const text = 'é'.repeat(sizes[i] >> 2) + 'x'.repeat(sizes[i] - (sizes[i] >> 2) * 2);
    perform(a, ECHO, { seq: i, text });
    const m = await next(a, (x) => x.identifier === ECHO && x.message && x.message.seq === i);
    if (m.message.text !== text) throw new Error(`echo ${i} (${sizes[i]} B) differs`);
    checked++;
  }
  report.echoes = { checked, largest: Math.max(...sizes), ms: Date.now() - t0 };

  // Server pings (ActionCable's heartbeat, every 3 s).
  await until(() => a.pings >= 1, 8000);
  report.pings = a.pings;

  // A 20-client broadcast.
  const others = await Promise.all(Array.from({ length: 19 }, connect));
  for (const c of others) {
    await next(c, (m) => m.type === 'welcome');
    subscribe(c, BROADCAST);
    await next(c, confirmed(BROADCAST));
  }
  const all = [a, ...others];
  const b0 = Date.now();
  const rounds = 50;
  for (let r = 0; r < rounds; r++) {
    perform(a, BROADCAST, { action: 'shout', text: `round ${r}` });
    await Promise.all(all.map((c) => next(c, (m) => m.identifier === BROADCAST && m.message && m.message.text === `round ${r}`)));
  }
  report.broadcast = { clients: all.length, rounds, ms: Date.now() - b0 };

  // Clean close from the client.
  for (const c of others) c.ws.close(1000, 'done');
  await until(() => others.every((c) => c.closed), 10000);
  report.clean_close = others.map((c) => c.closed.code);

  // Server-side disconnect (connection.close in a channel action).
  perform(a, ECHO, { action: 'bye' });
  report.disconnect = await next(a, (m) => m.type === 'disconnect');
  await until(() => a.closed, 10000);
  report.server_close = a.closed;
  console.log(JSON.stringify(report));
}

main().catch((e) => { console.error(e.stack); process.exit(1); });
