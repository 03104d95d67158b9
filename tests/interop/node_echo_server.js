'use strict';
// A Node `ws` echo server on 127.0.0.1, for examples/c/build/client.
//
// usage: node node_echo_server.js PORT_FILE
//
// Listens on a free port, writes it to PORT_FILE, echoes every message, and
// prints one line per connection:
//   open path=/p extensions=...
//   close path=/p code=1000 reason='' clean=true
// permessage-deflate is accepted when the client offers it.

const fs = require('fs');
const { WebSocketServer } = require('ws');

const portFile = process.argv[2];
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  maxPayload: 64 << 20,
  perMessageDeflate: true,
});

wss.on('connection', (ws, req) => {
  const path = req.url;
  console.log(`open path=${path} extensions=${ws.extensions || 'none'}`);
  let clean = false;
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', (e) => console.log(`error path=${path} ${e.message}`));
  // ws calls 'close' with the code of the peer's close frame (1005 without
  // one, 1006 without any); wasClean is only known from the receiver.
  ws.on('close', (code, reason) => {
    clean = ws._closeFrameReceived === true;
    console.log(`close path=${path} code=${code} reason='${reason.toString()}' clean=${clean}`);
  });
});

wss.on('listening', () => {
  const { port } = wss.address();
  fs.writeFileSync(`${portFile}.tmp`, `${port}\n`);
  fs.renameSync(`${portFile}.tmp`, portFile);
  console.log(`node ws echo server on ws://127.0.0.1:${port}/`);
});
