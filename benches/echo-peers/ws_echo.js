'use strict';
// Echo server on Node's `ws` for scripts/echo-shootout.sh: one process,
// one thread, like examples/c/echo_server. permessage-deflate is accepted
// when the client offers it (ws' defaults otherwise).
//
// usage: node ws_echo.js [PORT]
const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: Number(process.argv[2] || 0),
  maxPayload: 64 << 20,
  perMessageDeflate: true,
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
wss.on('listening', () => {
  console.log(`listening on http://127.0.0.1:${wss.address().port}/`);
});
