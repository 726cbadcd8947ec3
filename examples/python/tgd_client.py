#!/usr/bin/env python3
"""tgd_client.py - a tiny JSON-RPC 2.0 client for tgd, Python standard library only.

Two clients with the same interface (call, notify, batch):

  TgdClient      the UNIX socket: newline-delimited JSON, one connection, many requests in flight
                 at once, each answer matched to its request by id (a reader thread does that).
  TgdHttpClient  HTTP: POST /rpc with `Authorization: Bearer <token>` (urllib), one request or
                 batch per POST.

A JSON-RPC error becomes a TgdError exception with .code, .message and .data: Telegram's errors
keep Telegram's code and name (400 USER_ID_INVALID, 420 FLOOD_WAIT_30, data["telegram"] == true);
tgd's own use -32000..-32099 and JSON-RPC's -32601 (unknown method), -32602 (bad params).

Run it against the demo (`tools/demo --serve` in another terminal prints its ready line):

  python3 examples/python/tgd_client.py --socket /tmp/tgd-demo-.../run/tgd.sock \\
      --http http://127.0.0.1:PORT/rpc --token TOKEN

or with the environment: TGD_SOCKET, TGD_HTTP, TGD_TOKEN (and TGD_SESSION, default "demo").
Without --http/TGD_HTTP the HTTP part is skipped. Use the classes from your own code with
`from tgd_client import TgdClient`.
"""

import argparse
import itertools
import json
import os
import queue
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, as_completed


class TgdError(Exception):
    """A JSON-RPC error object from tgd."""

    def __init__(self, code, message, data=None):
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.data = data

    @property
    def from_telegram(self):
        """True for an error Telegram returned (as opposed to one of tgd's own)."""
        return isinstance(self.data, dict) and self.data.get("telegram") is True

    @classmethod
    def from_object(cls, error):
        return cls(error.get("code"), error.get("message"), error.get("data"))


def _outcome(response):
    """The result of one response object, or a TgdError (returned, not raised: batches hold both)."""
    if "error" in response:
        return TgdError.from_object(response["error"])
    return response.get("result")


class TgdClient:
    """tgd over its UNIX socket. Thread-safe; use it as a context manager to close it."""

    def __init__(self, path, timeout=60.0):
        self.timeout = timeout
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.connect(path)
        self._ids = itertools.count(1)
        self._pending = {}  # id -> Future
        self._lock = threading.Lock()  # guards _pending and the socket's write side
        self._closed = None  # why the connection ended, once it has
        # Messages with no id that tgd pushes (notifications, later: updates) land here.
        self.notifications = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="tgd-reader", daemon=True)
        self._reader.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self._reader.join(timeout=5)

    # -- the API ---------------------------------------------------------------------------------

    def call_async(self, method, params=None):
        """Sends one request and returns a Future for its result (it raises TgdError on error)."""
        request, future = self._request(method, params)
        self._send([future], request)
        return future

    def call(self, method, params=None, timeout=None):
        """One request; waits for the answer. Returns the result or raises TgdError."""
        return self.call_async(method, params).result(timeout or self.timeout)

    def notify(self, method, params=None):
        """A notification: no id, so tgd runs the call and answers nothing (fire-and-forget)."""
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self._send([], message)

    def batch(self, calls, timeout=None):
        """Several requests in one line: [(method, params), ...]. Returns their outcomes in the
        same order, each the result or a TgdError (one failing entry does not fail the others)."""
        requests, futures = zip(*(self._request(method, params) for method, params in calls))
        self._send(list(futures), list(requests))
        outcomes = []
        for future in futures:
            try:
                outcomes.append(future.result(timeout or self.timeout))
            except TgdError as e:
                outcomes.append(e)
        return outcomes

    # -- the plumbing ----------------------------------------------------------------------------

    def _request(self, method, params):
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": method}
        if params is not None:
            request["params"] = params
        return request, Future()

    def _send(self, futures, message):
        line = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            if self._closed:
                raise ConnectionError(self._closed)
            for future, request in zip(futures, message if isinstance(message, list) else [message]):
                self._pending[request["id"]] = future
            self._sock.sendall(line)

    def _read(self):
        reason = "tgd closed the connection"
        try:
            with self._sock.makefile("rb") as lines:
                for line in lines:
                    message = json.loads(line)
                    for response in message if isinstance(message, list) else [message]:
                        self._dispatch(response)
        except (OSError, ValueError) as e:
            reason = f"connection to tgd lost: {e}"
        with self._lock:
            self._closed = reason
            pending, self._pending = self._pending, {}
        for future in pending.values():
            future.set_exception(ConnectionError(reason))

    def _dispatch(self, response):
        if "id" not in response:  # a notification pushed by tgd
            self.notifications.put(response)
            return
        with self._lock:
            future = self._pending.pop(response["id"], None)
        if future is None:  # e.g. id null: an error about a line tgd could not parse at all
            print(f"tgd: unmatched response {response}", file=sys.stderr)
            return
        outcome = _outcome(response)
        if isinstance(outcome, TgdError):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


class TgdHttpClient:
    """tgd over HTTP: POST /rpc with the bearer token. Each call is one HTTP request."""

    def __init__(self, url, token, timeout=60.0):
        self.url = url
        self.token = token
        self.timeout = timeout
        self._ids = itertools.count(1)

    def _post(self, body):
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + self.token},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                if response.status == 204:  # everything was a notification
                    return None
                return json.loads(response.read())
        except urllib.error.HTTPError as e:  # 401 bad token, 403 Origin/Host refused, 413 too large
            raise TgdError(e.code, f"HTTP {e.code} {e.reason}: {e.read().decode(errors='replace')}") from None

    def call(self, method, params=None):
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": method}
        if params is not None:
            request["params"] = params
        outcome = _outcome(self._post(request))
        if isinstance(outcome, TgdError):
            raise outcome
        return outcome

    def notify(self, method, params=None):
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self._post(message)  # 204 No Content

    def batch(self, calls):
        requests = [{"jsonrpc": "2.0", "id": next(self._ids), "method": m, "params": p} for m, p in calls]
        by_id = {r.get("id"): r for r in self._post(requests)}
        return [_outcome(by_id[r["id"]]) for r in requests]


# -- the demonstration ---------------------------------------------------------------------------


def show(label, value):
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    print(f"{label}: {text if len(text) <= 200 else text[:200] + '...'}")


def demo_unix(path, session):
    print(f"# UNIX socket {path}")
    with TgdClient(path) as tgd:
        me = tgd.call("getSelf", {"session": session})
        show("getSelf", f"{me.get('first_name', '')} id {me['id']}")

        # A batch: one line, several requests, answered in order; a bad entry fails on its own.
        sessions, unknown = tgd.batch([("listSessions", {}), ("no.suchMethod", {})])
        show("batch[0] listSessions", [s["name"] for s in sessions])
        assert isinstance(unknown, TgdError) and unknown.code == -32601, unknown
        show("batch[1] no.suchMethod", f"error {unknown.code} {unknown.message}")

        # Several requests in flight on one connection: the answers come as each call finishes,
        # not in the order sent, and the ids put each one with its request.
        started = time.monotonic()
        futures = {
            tgd.call_async("sleep", {"seconds": 0.6}): "sleep 0.6",
            tgd.call_async("sleep", {"seconds": 0.3}): "sleep 0.3",
            tgd.call_async("getSelf", {"session": session}): "getSelf",
            tgd.call_async("sleep", {"seconds": 0.1}): "sleep 0.1",
        }
        finished = [futures[f] for f in as_completed(futures, timeout=tgd.timeout)]
        show(f"4 concurrent calls answered in {time.monotonic() - started:.2f} s, in this order", finished)
        assert finished.index("sleep 0.1") < finished.index("sleep 0.6"), finished

        # A notification: no id, no answer; tgd still runs the call. Here it sends a message,
        # which we then see in the history.
        text = f"fire-and-forget from tgd_client.py ({os.getpid()} {time.time():.3f})"
        tgd.notify("messages.sendMessage", {"session": session, "peer": "me", "message": text})
        history_params = {"session": session, "peer": "me", "offset_id": 0, "offset_date": 0, "add_offset": 0,
                          "limit": 5, "max_id": 0, "min_id": 0, "hash": "0"}
        deadline = time.monotonic() + 30
        while True:
            history = tgd.call("messages.getHistory", history_params)
            if any(m.get("message") == text for m in history["messages"]):
                show("notification ran; the history has", text)
                break
            if time.monotonic() > deadline:
                raise AssertionError("the notification's message never arrived")
            time.sleep(0.1)

        # Errors: a TgdError with Telegram's code and name, or tgd's own code.
        try:
            tgd.call("users.getUsers",
                     {"session": session, "id": [{"_": "inputUser", "user_id": "42", "access_hash": "1"}]})
            raise AssertionError("users.getUsers with a bogus user succeeded")
        except TgdError as e:
            assert e.from_telegram and e.code == 400, e
            show("Telegram error", f"code {e.code} message {e.message} data {json.dumps(e.data)}")
        try:
            tgd.call("getSelf", {"session": "no-such-session"})
            raise AssertionError("getSelf on an unknown session succeeded")
        except TgdError as e:
            assert not e.from_telegram and e.code == -32000, e
            show("tgd error", f"code {e.code} message {e.message}")


def demo_http(url, token, session):
    print(f"# HTTP {url}")
    tgd = TgdHttpClient(url, token)
    me = tgd.call("getSelf", {"session": session})
    show("getSelf", f"{me.get('first_name', '')} id {me['id']}")
    outcomes = tgd.batch([("getSelf", {"session": session}), ("sleep", {"seconds": "soon"})])
    show("batch[0] getSelf", f"id {outcomes[0]['id']}")
    assert isinstance(outcomes[1], TgdError) and outcomes[1].code == -32602, outcomes[1]
    show("batch[1] sleep with bad params", f"error {outcomes[1].code} {outcomes[1].message}")
    tgd.notify("sleep", {"seconds": 0})
    show("notification", "204 No Content")
    try:
        TgdHttpClient(url, "not-the-token").call("status")
        raise AssertionError("a wrong token was accepted")
    except TgdError as e:
        assert e.code == 401, e
        show("wrong token", f"HTTP {e.code}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--socket", default=os.environ.get("TGD_SOCKET"), help="tgd's UNIX socket ($TGD_SOCKET)")
    parser.add_argument("--http", default=os.environ.get("TGD_HTTP"), help="http://HOST:PORT/rpc ($TGD_HTTP)")
    parser.add_argument("--token", default=os.environ.get("TGD_TOKEN"), help="the HTTP token ($TGD_TOKEN)")
    parser.add_argument("--session", default=os.environ.get("TGD_SESSION", "demo"), help="default: demo")
    args = parser.parse_args()
    if not args.socket and not args.http:
        parser.error("give --socket or --http (or set TGD_SOCKET / TGD_HTTP), e.g. from `tgd demo`'s ready line")
    if args.http and not args.token:
        parser.error("--http needs --token (or TGD_TOKEN)")
    if args.socket:
        demo_unix(args.socket, args.session)
    if args.http:
        demo_http(args.http, args.token, args.session)
    print("done")


if __name__ == "__main__":
    main()
