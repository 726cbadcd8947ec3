// ws_client.mjs — tgd over WebSocket from Node, with Node's built-in WebSocket (no npm packages).
//
// One JSON-RPC message per text frame. Requests go out with ids; answers come back as each call
// finishes (not necessarily in order) and are matched to their request by id. The token goes in
// the URL (?token=…), as a browser would send it (browsers cannot set an Authorization header on a
// WebSocket).
//
// Run it against the demo (`tools/demo --serve` in another terminal prints its ready line):
//
//   node --experimental-websocket examples/node/ws_client.mjs ws://127.0.0.1:PORT/ TOKEN [SESSION]
//   TGD_WS=ws://127.0.0.1:PORT/ TGD_TOKEN=… node --experimental-websocket examples/node/ws_client.mjs
//
// Node 20.10+ needs --experimental-websocket; Node 22+ has WebSocket without the flag. The session
// is the third argument, else $TGD_SESSION, else "demo".

const url = process.argv[2] ?? process.env.TGD_WS;
const token = process.argv[3] ?? process.env.TGD_TOKEN;
const session = process.argv[4] ?? process.env.TGD_SESSION ?? 'demo';
if (!url || !token) {
  console.error('usage: node --experimental-websocket ws_client.mjs WS_URL TOKEN [SESSION] (or TGD_WS, TGD_TOKEN)');
  process.exit(2);
}
if (typeof WebSocket === 'undefined') {
  console.error(`Node ${process.version} has no WebSocket: use Node 20.10+ with --experimental-websocket`);
  process.exit(2);
}

// A JSON-RPC error as an exception, with tgd's code, message and data.
class TgdError extends Error {
  constructor({ code, message, data }) {
    super(`${code} ${message}`);
    this.code = code;
    this.rpcMessage = message;
    this.data = data;
  }
}

class TgdWebSocket {
  #ws;
  #nextId = 1;
  #pending = new Map(); // id -> {resolve, reject}

  static connect(address, token) {
    const u = new URL(address);
    u.searchParams.set('token', token);
    const client = new TgdWebSocket();
    client.#ws = new WebSocket(u);
    client.#ws.addEventListener('message', (event) => client.#receive(event.data));
    client.#ws.addEventListener('close', (event) => {
      const error = new Error(`connection closed (${event.code} ${event.reason})`);
      for (const { reject } of client.#pending.values()) reject(error);
      client.#pending.clear();
    });
    return new Promise((resolve, reject) => {
      client.#ws.addEventListener('open', () => resolve(client), { once: true });
      client.#ws.addEventListener('error', () => reject(new Error(`cannot connect to ${address}`)), { once: true });
    });
  }

  // One request; resolves with the result, rejects with a TgdError.
  call(method, params = {}) {
    const id = this.#nextId++;
    this.#ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    console.log(`--> #${id} ${method} ${JSON.stringify(params)}`);
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  // A notification (no id): tgd runs it and answers nothing.
  notify(method, params = {}) {
    this.#ws.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
    console.log(`--> (notification) ${method} ${JSON.stringify(params)}`);
  }

  close() {
    this.#ws.close();
  }

  #receive(text) {
    const message = JSON.parse(text);
    for (const response of Array.isArray(message) ? message : [message]) {
      const waiter = this.#pending.get(response.id);
      if (!waiter) {
        console.log(`<-- (not a reply) ${JSON.stringify(response)}`);
        continue;
      }
      this.#pending.delete(response.id);
      const shown = JSON.stringify(response.result ?? response.error);
      console.log(`<-- #${response.id} ${shown.length > 160 ? shown.slice(0, 160) + '…' : shown}`);
      if (response.error) waiter.reject(new TgdError(response.error));
      else waiter.resolve(response.result);
    }
  }
}

const tgd = await TgdWebSocket.connect(url, token);
try {
  // Several calls in flight at once: the slow sleep is answered last, each reply finds its caller.
  const [slept, me, sessions] = await Promise.all([
    tgd.call('sleep', { seconds: 0.3 }),
    tgd.call('getSelf', { session }),
    tgd.call('listSessions'),
  ]);
  console.log(`slept ${slept.slept} s; I am ${me.first_name ?? me.username ?? ''} (id ${me.id});` +
              ` sessions: ${sessions.map((s) => `${s.name} (${s.state})`).join(', ')}`);

  const text = `Hello from ws_client.mjs (${process.pid})`;
  const sent = await tgd.call('messages.sendMessage', { session, peer: 'me', message: text });
  console.log(`sent: ${sent._} id ${sent.id}`);

  tgd.notify('sleep', { seconds: 0 });

  // Telegram's errors keep Telegram's code and name, with data.telegram = true.
  try {
    await tgd.call('users.getUsers', { session, id: [{ _: 'inputUser', user_id: '42', access_hash: '1' }] });
    throw new Error('users.getUsers with a bogus user succeeded');
  } catch (e) {
    if (!(e instanceof TgdError) || !e.data?.telegram) throw e;
    console.log(`Telegram refused: code ${e.code}, ${e.rpcMessage}`);
  }
  console.log('done');
} finally {
  tgd.close();
}
