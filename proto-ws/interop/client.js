// Interop client (node `ws`, permessage-deflate offered) against proto-ws's echo server: sends
// text and binary messages of many sizes and a ping, checks every echo, closes.
// usage: node client.js ws://127.0.0.1:PORT [N]   prints `node-ws client: N passed, N failed`
const WebSocket = require('ws');
const url = process.argv[2];
const n = Number(process.argv[3] || 20);
const ws = new WebSocket(url, { perMessageDeflate: true, maxPayload: 64 * 1024 * 1024 });
let ok = 0, bad = 0, i = 0, expect = null;
function next() {
  if (i === n) { ws.ping(Buffer.from('interop')); return; }
  const size = (i * 997) % 70000;
  let s = '';
  for (let j = 0; j < size / 2; j++) s += j % 7 ? String.fromCharCode(0x61 + j % 26) : 'é';
  const binary = i % 2 === 1;
  expect = { data: binary ? Buffer.from(s) : s, binary };
  ws.send(expect.data, { binary });
  i++;
}
ws.on('open', next);
ws.on('message', (data, isBinary) => {
  const got = isBinary ? data : data.toString();
  const same = isBinary === expect.binary && (isBinary ? Buffer.compare(got, expect.data) === 0 : got === expect.data);
  if (same) ok++; else bad++;
  next();
});
ws.on('pong', (p) => { if (p.toString() === 'interop') ok++; else bad++; ws.close(1000); });
ws.on('close', (code) => {
  if (code === 1000) ok++; else bad++;
  console.log(`node-ws client: ${ok} passed, ${bad} failed`);
  process.exit(bad ? 1 : 0);
});
ws.on('error', (e) => { console.log(`node-ws client: ${ok} passed, ${bad + 1} failed (${e.message})`); process.exit(1); });
setTimeout(() => { console.log(`node-ws client: ${ok} passed, ${bad + 1} failed (timeout)`); process.exit(1); }, 60000);
