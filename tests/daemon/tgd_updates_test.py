#!/usr/bin/env python3
"""End-to-end tests of tgd's update stream through the real binaries: `tgd run` on a custom network
pointing at a separately started tgd-testdc (its --control socket makes other accounts send
messages), subscribers on the UNIX socket and over WebSocket.

  tgd_updates_test.py TGD TGD_TESTDC [TestClass[.test_method] ...]

The kill -9 test: 1,000 messages keep arriving while tgd is killed and restarted; a subscriber that
resumes with `since` gets every one exactly once, in order, with consecutive seqs.
The others run one daemon with two sessions (a bot, "main", and a user, "alice"): a message one sends
reaches a subscriber of the other once; a subscriber reconnecting with `since`; a reading
subscriber gets a burst many times its buffer whole; a subscriber that stops reading gets `lagged`
while another is not held up; filters side by side and their errors;
getUpdates against what a subscriber saw. Each checks exact sequences (seqs, texts, constructors).
Standard library only; generous deadlines (a slow, busy 2-core machine, AddressSanitizer).
"""

import base64
import hashlib
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tgd_cli_test as cli  # noqa: E402  (shared helpers: run, call, read_line)

BOT_ID = 1000002
BOT_TOKEN = f"{BOT_ID}:kill-nine-bot-token"
SENDER = "9996610001"


class JsonLines:
    """A client of a newline-delimited JSON socket (tgd's UNIX socket, the test DC's control)."""

    def __init__(self, path, timeout=60):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buffer = b""

    def send(self, obj):
        self.sock.sendall(json.dumps(obj).encode() + b"\n")

    def receive(self):
        """The next JSON line, or None when the connection ended."""
        while b"\n" not in self.buffer:
            try:
                chunk = self.sock.recv(65536)
            except OSError:  # reset, timed out, or closed by stop()
                return None
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def request(self, obj):
        self.send(obj)
        return self.receive()

    def close(self):
        self.sock.close()


class Subscriber(threading.Thread):
    """Subscribes on tgd's UNIX socket and records every update notification until the connection
    ends (or stop())."""

    def __init__(self, socket_path, since):
        super().__init__(daemon=True)
        self.client = JsonLines(socket_path, timeout=120)
        self.notifications = []  # (seq, update)
        self.other = []  # other notifications (lagged, trimmed notices)
        self.lock = threading.Lock()
        params = {} if since is None else {"since": since}
        self.client.send({"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": params})
        answer = self.client.receive()
        while answer is not None and answer.get("id") != 1:  # replayed updates may come first
            self.record(answer)
            answer = self.client.receive()
        if answer is None or "result" not in answer:
            raise AssertionError(f"subscribe failed: {answer}")
        self.result = answer["result"]

    def record(self, message):
        with self.lock:
            if message.get("method") == "update":
                p = message["params"]
                self.notifications.append((p["seq"], p["update"]))
            else:
                self.other.append(message)

    def run(self):
        while True:
            message = self.client.receive()
            if message is None:
                return
            self.record(message)

    def seen(self):
        with self.lock:
            return list(self.notifications)

    def stop(self):
        try:
            self.client.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.client.close()


def message_text(update):
    if update.get("_") not in ("updateNewMessage", "updateNewChannelMessage"):
        return None
    return update.get("message", {}).get("message")


class ControlledNetworkCase(cli.CustomNetworkCase):
    """CustomNetworkCase whose test DC also listens on a control socket (tests/testdc/README.md)."""

    control_timeout = 60

    def extra_testdc_flags(self):
        self.control_path = str(self.tmp / "control.sock")
        return ["--control", self.control_path]

    def control(self, command):
        """Sends one control command; its answer, which must say ok."""
        client = JsonLines(self.control_path, timeout=self.control_timeout)
        try:
            answer = client.request(command)
        finally:
            client.close()
        self.assertTrue(answer and answer.get("ok"), f"{command} -> {answer}")
        return answer


class UpdatesKill9Test(ControlledNetworkCase):
    control_timeout = 300

    def wait_for(self, condition, what, timeout=120):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                self.fail(f"timed out waiting for {what}")
            time.sleep(0.05)

    def test_kill_9_while_messages_arrive_then_resume_with_since_gets_each_once_in_order(self):
        count = 1000
        first, _ = self.start("first")
        r = cli.call(self.socket, "botLogin", json.dumps({"session": "main", "token": BOT_TOKEN}))
        self.assertEqual(r.returncode, 0, r.stderr)
        # The engine's first getState happens right after the login; a first message then shows the
        # stream is live before the flood starts.
        subscriber = Subscriber(self.socket, since=0)
        subscriber.start()
        self.control({"op": "send_message", "from": SENDER, "to": BOT_TOKEN, "text": "warm-up"})
        self.wait_for(lambda: any(message_text(u) == "warm-up" for _, u in subscriber.seen()), "the warm-up")

        # The flood runs in the test DC at its own pace, across tgd's death and restart.
        flood_answer = {}
        flood = threading.Thread(target=lambda: flood_answer.update(self.control(
            {"op": "flood", "from": SENDER, "to": BOT_TOKEN, "count": count, "rate": 400, "text": "m"})),
            daemon=True)
        flood.start()
        self.wait_for(lambda: sum(1 for _, u in subscriber.seen() if message_text(u) not in (None, "warm-up")) >= 100,
                      "100 flood messages before the kill")
        first.send_signal(signal.SIGKILL)
        first.wait()
        subscriber.join(timeout=30)
        subscriber.stop()
        before = subscriber.seen()
        self.assertTrue(before, "the subscriber saw nothing before the kill")
        self.assertLess(len(before), count, "the flood was over before the kill: the test proves nothing")
        last_seen = before[-1][0]

        time.sleep(0.5)  # messages keep arriving while tgd is down
        self.start("second")
        resumed = Subscriber(self.socket, since=last_seen)
        resumed.start()
        flood.join(timeout=120)
        self.assertEqual(flood_answer.get("sent"), count, flood_answer)
        expected = ["warm-up"] + [f"m {i}" for i in range(1, count + 1)]
        self.wait_for(lambda: len([1 for _, u in before + resumed.seen() if message_text(u) is not None])
                      >= len(expected), "every message after the restart")
        time.sleep(0.5)  # duplicates, if any, would arrive now
        resumed.stop()

        everything = before + resumed.seen()
        seqs = [seq for seq, _ in everything]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))), "seqs are consecutive, none twice")
        texts = [message_text(u) for _, u in everything if message_text(u) is not None]
        self.assertEqual(texts, expected)
        # status shows the engine and the journal.
        r = cli.call(self.socket, "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        updates = json.loads(r.stdout)["sessions"][0]["updates"]
        self.assertEqual(updates["journal_committed_seq"], seqs[-1])
        self.assertGreaterEqual(updates["requests"], 1)  # the getDifference after the restart


# ---- the stream's promises through the binaries: two accounts, both transports, filters, lagging ----

ALICE_PHONE = "9996610002"  # a user on DC 1 (code 11111), logged in as tgd session "alice"
BOT_USERNAME = f"bot{BOT_ID}_bot"  # the test DC names bots so
DEADLINE = 15  # seconds for anything the daemon should do at once (a loaded machine, ASan)


class WebSocket:
    """A minimal RFC 6455 client (text frames, masked as a client must; answers pings)."""

    def __init__(self, host, port, token, timeout=60):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /?token={token} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise AssertionError(f"WebSocket handshake: connection closed after {self.buffer!r}")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise AssertionError(f"WebSocket handshake refused: {head!r}")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
        headers = {name.lower(): value for name, value in headers.items()}
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        if headers.get("sec-websocket-accept") != accept.decode():
            raise AssertionError(f"WebSocket handshake: wrong Sec-WebSocket-Accept in {head!r}")
        self.send_lock = threading.Lock()

    def send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        with self.send_lock:
            self.sock.sendall(header + mask + masked)

    def send(self, obj):
        self.send_frame(0x1, json.dumps(obj).encode())

    def read_exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def receive(self):
        """The next JSON message, or None when the connection ended."""
        message = b""
        try:
            while True:
                b0, b1 = self.read_exact(2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack(">H", self.read_exact(2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", self.read_exact(8))[0]
                if b1 & 0x80:
                    raise AssertionError("a server frame must not be masked")
                payload = self.read_exact(n)
                opcode = b0 & 0x0F
                if opcode == 0x8:
                    return None
                if opcode == 0x9:
                    self.send_frame(0xA, payload)
                    continue
                if opcode == 0xA:
                    continue
                if opcode == 0x2:
                    raise AssertionError("tgd sent a binary frame")
                message += payload
                if b0 & 0x80:
                    return json.loads(message)
        except OSError:
            return None

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class Rpc:
    """JSON-RPC over one connection (JsonLines or WebSocket) with a reader thread: answers are
    matched by id, notifications are recorded in arrival order."""

    def __init__(self, transport):
        self.transport = transport
        self.cond = threading.Condition()
        self.answers = {}
        self.notifications = []  # every notification (update, lagged, trimmed), in arrival order
        self.closed = False
        self.last_id = 0
        self.thread = threading.Thread(target=self.read_all, daemon=True)
        self.thread.start()

    def read_all(self):
        while True:
            message = self.transport.receive()
            with self.cond:
                if message is None:
                    self.closed = True
                elif "id" in message and "method" not in message:
                    self.answers[message["id"]] = message
                else:
                    self.notifications.append(message)
                self.cond.notify_all()
            if message is None:
                return

    def send(self, method, params=None):
        """Sends a request; returns its id (answer later with answer())."""
        with self.cond:
            self.last_id += 1
            request_id = self.last_id
        request = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            request["params"] = params
        self.transport.send(request)
        return request_id

    def answer(self, request_id, timeout=DEADLINE):
        with self.cond:
            if not self.cond.wait_for(lambda: request_id in self.answers or self.closed, timeout):
                raise AssertionError(f"no answer to request {request_id} in {timeout} s")
            if request_id not in self.answers:
                raise AssertionError(f"the connection closed before answering request {request_id}")
            return self.answers.pop(request_id)

    def call_raw(self, method, params=None, timeout=DEADLINE):
        return self.answer(self.send(method, params), timeout)

    def call(self, method, params=None, timeout=DEADLINE):
        answer = self.call_raw(method, params, timeout)
        if "result" not in answer:
            raise AssertionError(f"{method} {params} -> {answer}")
        return answer["result"]

    def subscribe(self, **params):
        return self.call("subscribe", params)["subscription"]

    def updates(self, subscription=None):
        """(session, seq, update) of every update notification (of one subscription)."""
        with self.cond:
            return [(n["params"]["session"], n["params"]["seq"], n["params"]["update"])
                    for n in self.notifications
                    if n.get("method") == "update"
                    and (subscription is None or n["params"]["subscription"] == subscription)]

    def others(self):
        """The notifications that are not updates (lagged, trimmed)."""
        with self.cond:
            return [n for n in self.notifications if n.get("method") != "update"]

    def wait(self, condition, what, timeout=DEADLINE):
        """Waits until condition() holds (checked at each arrival, and every 0.1 s)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}; notifications: "
                                         f"{summary(self.notifications)}")
                self.cond.wait(min(left, 0.1))

    def close(self):
        try:  # wakes the reader thread's recv (a close alone would not)
            self.transport.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.transport.close()
        self.thread.join(timeout=DEADLINE)


def summary(notifications, keep=12):
    """A short text of notifications for failure messages."""
    out = []
    for n in notifications[-keep:]:
        p = n.get("params", {})
        if n.get("method") == "update":
            out.append((p.get("subscription"), p.get("session"), p.get("seq"), p["update"].get("_"),
                        message_text(p["update"])))
        else:
            out.append((n.get("method"), p))
    return f"{len(notifications)}, the last: {out}"


def texts_of(updates):
    return [message_text(u) for _, _, u in updates if message_text(u) is not None]


def peer_user(update):
    """The user id (int) of a private message update's chat, else None."""
    peer = update.get("message", {}).get("peer_id", {})
    return int(peer["user_id"]) if peer.get("_") == "peerUser" else None


class TwoAccountsCase(ControlledNetworkCase):
    """tgd run with two sessions: "main", the bot BOT_ID, and "alice", the user ALICE_PHONE; the UNIX
    socket and WebSocket; the test DC's control socket for a third account (SENDER) that sends."""

    subscriber_buffer = None  # [updates] subscriber_buffer, when set
    lag_timeout = None  # [updates] lag_timeout, when set

    def setUp(self):
        super().setUp()
        more = '\n[[session]]\nname = "alice"\n\n[listen.tcp]\nenabled = true\nport = 0\n'
        if self.subscriber_buffer or self.lag_timeout:
            more += "\n[updates]\n"
            if self.subscriber_buffer:
                more += f'subscriber_buffer = "{self.subscriber_buffer}"\n'
            if self.lag_timeout:
                more += f'lag_timeout = "{self.lag_timeout}"\n'
        with open(self.config, "a") as config:
            config.write(more)
        self.daemon, _ = self.start("tgd")
        match = None
        deadline = time.monotonic() + cli.READY_TIMEOUT
        while match is None:
            match = re.search(r"http/ws on 127\.0\.0\.1:(\d+)", self.log("tgd"))
            if time.monotonic() > deadline:
                self.fail(f"tgd logged no http/ws port:\n{self.log('tgd')}")
            time.sleep(0.05)
        self.ws_port = int(match.group(1))
        self.token = (self.tmp / "state" / "token").read_text().strip()
        self.rpc = self.unix()
        self.rpc.call("botLogin", {"session": "main", "token": BOT_TOKEN}, timeout=cli.CALL_TIMEOUT)
        self.alice_id = self.control({"op": "state", "account": ALICE_PHONE})["id"]  # creates the account
        self.sender_id = self.control({"op": "state", "account": SENDER})["id"]
        r = self.rpc.call("phoneLogin", {"session": "alice", "phone": ALICE_PHONE}, timeout=cli.CALL_TIMEOUT)
        self.assertEqual(r["state"], "waiting_code", r)
        r = self.rpc.call("completePhoneLogin", {"session": "alice", "code": "11111"}, timeout=cli.CALL_TIMEOUT)
        self.assertEqual(r["state"], "ready", r)

    def unix(self):
        rpc = Rpc(JsonLines(self.socket))
        self.addCleanup(rpc.close)
        return rpc

    def websocket(self):
        rpc = Rpc(WebSocket("127.0.0.1", self.ws_port, self.token))
        self.addCleanup(rpc.close)
        return rpc

    def send_to_bot(self, text):
        """SENDER (not a tgd session) sends the bot a message through the test DC."""
        self.control({"op": "send_message", "from": SENDER, "to": BOT_TOKEN, "text": text})

    def committed_seq(self, session):
        for s in self.rpc.call("status")["sessions"]:
            if s["name"] == session:
                return s.get("updates", {}).get("journal_committed_seq", 0)
        self.fail(f"no session {session} in status")

    def subscriptions_status(self):
        return self.rpc.call("status")["subscriptions"]


class UpdatesAcrossAccountsTest(TwoAccountsCase):
    def test_a_message_one_account_sends_reaches_a_subscriber_of_the_other_once_over_unix_and_websocket(self):
        # Subscribed before anything was sent: from seq 1 on.
        over_unix, over_ws = self.unix(), self.websocket()
        unix_sub = over_unix.subscribe(sessions=["main"], since=0)
        ws_sub = over_ws.subscribe(sessions=["main"], since=0)
        sent = self.rpc.call("messages.sendMessage",
                             {"session": "alice", "peer": f"@{BOT_USERNAME}", "message": "hello from alice"})
        # A later message fences the check: once it is there, a copy of the first would be too.
        self.send_to_bot("fence")
        for rpc, sub in ((over_unix, unix_sub), (over_ws, ws_sub)):
            rpc.wait(lambda: texts_of(rpc.updates(sub)) == ["hello from alice", "fence"] or
                     len(rpc.updates(sub)) > 2, "the message and the fence")
            got = rpc.updates(sub)
            self.assertEqual([(session, seq, u["_"]) for session, seq, u in got],
                             [("main", 1, "updateNewMessage"), ("main", 2, "updateNewMessage")], summary(rpc.notifications))
            self.assertEqual(texts_of(got), ["hello from alice", "fence"])
            message = got[0][2]["message"]
            self.assertEqual(message["from_id"], {"_": "peerUser", "user_id": str(self.alice_id)})
            self.assertEqual(peer_user(got[0][2]), self.alice_id)
            self.assertNotIn("out", message)  # the bot's copy: incoming
            self.assertEqual(rpc.others(), [])
        # Alice's own copy went to her session's stream (seq 1 there), not to these subscribers.
        pulled = self.rpc.call("getUpdates", {"session": "alice", "offset": 1, "timeout": DEADLINE})["updates"]
        self.assertEqual([(p["seq"], p["update"]["_"], message_text(p["update"])) for p in pulled],
                         [(1, "updateNewMessage", "hello from alice")])
        self.assertTrue(pulled[0]["update"]["message"]["out"])
        self.assertEqual(pulled[0]["update"]["message"]["id"], sent["id"])


class SubscriberReconnectTest(TwoAccountsCase):
    def test_a_subscriber_reconnecting_with_since_gets_every_update_once_in_order_then_live(self):
        count = 600
        first = self.unix()
        first_sub = first.subscribe(sessions=["main"], since=0)
        flood_answer = {}
        flood = threading.Thread(target=lambda: flood_answer.update(self.control(
            {"op": "flood", "from": SENDER, "to": BOT_TOKEN, "count": count, "rate": 400, "text": "m"})),
            daemon=True)
        flood.start()
        first.wait(lambda: len(first.updates(first_sub)) >= 100, "100 messages before the disconnect")
        first.close()
        before = first.updates(first_sub)
        last_seen = before[-1][1]
        self.assertLess(len(before), count, "the flood was over before the disconnect: the test proves nothing")
        # Updates go on arriving while nobody listens.
        deadline = time.monotonic() + DEADLINE
        while self.committed_seq("main") < min(last_seen + 100, count):
            self.assertLess(time.monotonic(), deadline, "the daemon journaled nothing while the subscriber was away")
            time.sleep(0.05)
        # Back over the other transport, from the last seq seen.
        again = self.websocket()
        again_sub = again.subscribe(since={"main": last_seen})
        flood.join(timeout=DEADLINE)
        self.assertEqual(flood_answer.get("sent"), count, flood_answer)
        again.wait(lambda: len(again.updates(again_sub)) >= count - len(before), "the rest of the flood")
        self.send_to_bot("live")  # after the replay: live again
        again.wait(lambda: any(message_text(u) == "live" for _, _, u in again.updates(again_sub)), "the live message")
        after = again.updates(again_sub)
        self.assertEqual(after[0][1], last_seen + 1)
        everything = before + after
        self.assertEqual([seq for _, seq, _ in everything], list(range(1, count + 2)), "each seq once, in order")
        self.assertEqual(texts_of(everything), [f"m {i}" for i in range(1, count + 1)] + ["live"])
        self.assertEqual({session for session, _, _ in everything}, {"main"})
        self.assertEqual(again.others(), [])


class BurstPastTheBufferTest(TwoAccountsCase):
    subscriber_buffer = "64KiB"

    def test_a_reading_subscriber_gets_a_burst_many_times_its_buffer_whole_in_order_and_is_not_lagged(self):
        # Pushes of 500 messages each: one commit releases ~250 KB of notifications at once, four
        # times the buffer; the subscriber reads all the time, so it must get every one.
        count = 3000
        reader = self.unix()
        sub = reader.subscribe(sessions=["main"])
        self.send_to_bot("warm-up")
        reader.wait(lambda: texts_of(reader.updates(sub)) == ["warm-up"], "the warm-up")
        flooded = self.control({"op": "flood", "from": SENDER, "to": BOT_TOKEN, "count": count, "batch": 500,
                                "text": "b"})
        self.assertEqual(flooded["sent"], count)
        reader.wait(lambda: len(reader.updates(sub)) >= count + 1 or reader.others(), "the whole burst")
        self.assertEqual(reader.others(), [], "the reading subscriber was interrupted")
        got = reader.updates(sub)
        first_seq = got[0][1]
        self.assertEqual([seq for _, seq, _ in got], list(range(first_seq, first_seq + count + 1)))
        self.assertEqual(texts_of(got), ["warm-up"] + [f"b {i}" for i in range(1, count + 1)])
        counters = self.subscriptions_status()
        self.assertGreater(counters["paced"], 0, f"no burst filled the buffer: the test proves nothing {counters}")
        self.assertEqual(counters["lagged"], 0, counters)
        self.assertEqual(counters["active"], 1, counters)


class LaggingSubscriberTest(TwoAccountsCase):
    subscriber_buffer = "64KiB"
    lag_timeout = "500ms"

    def test_a_subscriber_that_stops_reading_gets_lagged_resumes_exactly_and_others_are_not_held_up(self):
        # ~1.5 MB of notifications, well past what the kernel's socket buffers and 64 KiB hold, at a
        # pace a reading subscriber keeps up with; the slow one stops reading for longer than
        # lag_timeout.
        count = 3000
        fast = self.unix()
        fast_sub = fast.subscribe(sessions=["main"])
        # The slow one: subscribes, then reads nothing until the flood is over.
        slow = JsonLines(self.socket, timeout=DEADLINE)
        self.addCleanup(slow.close)
        slow.send({"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": {"sessions": ["main"]}})
        answer = slow.receive()
        self.assertIn("result", answer, answer)
        slow_sub = answer["result"]["subscription"]
        self.send_to_bot("warm-up")  # both subscriptions are live once the fast one has it
        fast.wait(lambda: texts_of(fast.updates(fast_sub)) == ["warm-up"], "the warm-up")
        flooded = self.control({"op": "flood", "from": SENDER, "to": BOT_TOKEN, "count": count, "rate": 1000,
                                "batch": 10, "text": "f"})
        self.assertEqual(flooded["sent"], count)
        fast.wait(lambda: len(fast.updates(fast_sub)) >= count + 1, "the whole flood at the fast subscriber")
        # The daemon kept serving while the slow one lagged.
        self.assertEqual(self.rpc.call("sleep", {"seconds": 0})["slept"], 0)
        everything = fast.updates(fast_sub)
        first_seq = everything[0][1]
        self.assertEqual([seq for _, seq, _ in everything], list(range(first_seq, first_seq + count + 1)))
        self.assertEqual(texts_of(everything), ["warm-up"] + [f"f {i}" for i in range(1, count + 1)])
        self.assertEqual(fast.others(), [], "the fast subscriber was interrupted")

        # The slow one finds what was queued for it, then `lagged` naming where to resume.
        received, lagged = [], None
        while lagged is None:
            message = slow.receive()
            self.assertIsNotNone(message, f"the slow connection closed after {len(received)} updates")
            if message.get("method") == "update":
                self.assertEqual(message["params"]["subscription"], slow_sub)
                received.append((message["params"]["session"], message["params"]["seq"], message["params"]["update"]))
            else:
                lagged = message
        self.assertEqual(lagged["method"], "lagged", lagged)
        self.assertGreater(len(received), 0)
        resume_after = received[-1][1]
        self.assertEqual(lagged["params"], {"subscription": slow_sub, "session": "main",
                                            "resume_after": resume_after, "since": {"main": resume_after}})
        self.assertLess(resume_after, everything[-1][1], "the slow subscriber did not lag: the test proves nothing")
        # Resubscribing with that since gets the rest from the journal, each once, in order.
        slow.send({"jsonrpc": "2.0", "id": 2, "method": "subscribe", "params": {"since": lagged["params"]["since"]}})
        resumed_sub = None
        while len(received) < len(everything):
            message = slow.receive()
            self.assertIsNotNone(message, f"the slow connection closed after {len(received)} updates")
            if message.get("id") == 2:
                resumed_sub = message["result"]["subscription"]
                continue
            self.assertEqual(message.get("method"), "update", message)
            self.assertEqual(message["params"]["subscription"], resumed_sub)
            received.append((message["params"]["session"], message["params"]["seq"], message["params"]["update"]))
        self.assertEqual(received, everything)


class SubscriptionFiltersTest(TwoAccountsCase):
    def test_filters_by_session_type_and_peer_side_by_side_on_one_connection_and_precise_errors(self):
        c = self.unix()
        everything = c.subscribe()
        main_only = c.subscribe(sessions=["main"])
        alice_only = c.subscribe(sessions="alice")  # one value counts as a list of one
        new_messages = c.subscribe(sessions=["main"], types=["updateNewMessage"])
        from_alice = c.subscribe(peers=[self.alice_id])
        edits_from_alice = c.subscribe(sessions=["main"], types=["updateEditMessage"], peers=[str(self.alice_id)])
        # Invalid filters: a precise error each, and the connection goes on serving.
        error = c.call_raw("subscribe", {"types": ["updateNewMesage"]})["error"]
        self.assertEqual(error["code"], -32602)
        self.assertEqual(error["message"], 'params.types: "updateNewMesage" is not a constructor '
                                           '(e.g. updateNewMessage) nor a tgd.* marker')
        error = c.call_raw("subscribe", {"sessions": ["nobody"]})["error"]
        self.assertEqual(error["code"], -32000, error)
        self.assertTrue(error["message"].startswith("no session 'nobody'; sessions: "), error)
        self.assertEqual(sorted(error["data"]["sessions"]), ["alice", "main"], error)
        error = c.call_raw("subscribe", {"types": []})["error"]
        self.assertEqual((error["code"], error["message"]),
                         (-32602, "params.types: an empty list matches nothing; leave it out for all"))
        error = c.call_raw("subscribe", {"since": "yesterday"})["error"]
        self.assertEqual(error["code"], -32602, error)
        self.assertTrue(error["message"].startswith("params.since: "), error)

        # What happens: new messages, an edit and a delete, in both sessions.
        self.send_to_bot("from sender")
        sent = self.rpc.call("messages.sendMessage",
                             {"session": "alice", "peer": f"@{BOT_USERNAME}", "message": "from alice"})
        self.rpc.call("messages.editMessage", {"session": "alice", "peer": f"@{BOT_USERNAME}", "id": sent["id"],
                                               "message": "from alice, edited"})
        self.control({"op": "send_message", "from": SENDER, "to": ALICE_PHONE, "text": "to alice"})
        self.rpc.call("messages.deleteMessages", {"session": "alice", "id": [sent["id"]], "revoke": True})
        self.send_to_bot("fence")
        self.control({"op": "send_message", "from": SENDER, "to": ALICE_PHONE, "text": "fence"})
        c.wait(lambda: texts_of(c.updates(everything)).count("fence") == 2, "both fences")
        # A later subscription on the same connection works too, and the others go on.
        late = c.subscribe(sessions=["main"])
        self.send_to_bot("after the errors")
        c.wait(lambda: texts_of(c.updates(late)) == ["after the errors"] and
               texts_of(c.updates(main_only))[-1:] == ["after the errors"], "the message after the errors")

        def seen(sub):
            return [(session, u["_"], u.get("message", {}).get("message")) for session, _, u in c.updates(sub)]

        main = [("main", "updateNewMessage", "from sender"),
                ("main", "updateNewMessage", "from alice"),
                ("main", "updateEditMessage", "from alice, edited"),
                ("main", "updateDeleteMessages", None),
                ("main", "updateNewMessage", "fence"),
                ("main", "updateNewMessage", "after the errors")]
        self.assertEqual(seen(main_only), main)
        chats = [peer_user(u) for _, _, u in c.updates(main_only)]
        self.assertEqual(chats, [self.sender_id, self.alice_id, self.alice_id, None, self.sender_id, self.sender_id])
        alice = [("alice", "updateNewMessage", "from alice"),
                 ("alice", "updateEditMessage", "from alice, edited"),
                 ("alice", "updateNewMessage", "to alice"),
                 ("alice", "updateNewMessage", "fence")]
        self.assertEqual(seen(alice_only), alice)
        every = c.updates(everything)
        self.assertEqual(sorted(seen(everything)), sorted(main + alice))
        for session in ("main", "alice"):  # each session's seqs: consecutive, once each
            seqs = [seq for s, seq, _ in every if s == session]
            self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))), session)
        self.assertEqual(seen(new_messages), [u for u in main if u[1] == "updateNewMessage"])
        # The peer filter: the bot's chat with Alice, in both sessions (Alice's own messages are in
        # her chat with the bot, not with Alice), so main's side only; deletes name no chat.
        self.assertEqual(seen(from_alice), [("main", "updateNewMessage", "from alice"),
                                            ("main", "updateEditMessage", "from alice, edited")])
        self.assertEqual(seen(edits_from_alice), [("main", "updateEditMessage", "from alice, edited")])
        # Each subscription got the same notification (seq, update) as the unfiltered one.
        for sub in (main_only, alice_only, new_messages, from_alice, edits_from_alice):
            self.assertTrue(set((s, seq) for s, seq, _ in c.updates(sub)) <= set((s, seq) for s, seq, _ in every))
            for session, seq, update in c.updates(sub):
                self.assertIn((session, seq, update), every)
        self.assertEqual(c.others(), [])


class GetUpdatesPullTest(TwoAccountsCase):
    def test_get_updates_pages_and_long_polls_the_same_sequence_a_subscriber_saw(self):
        count = 120
        c = self.unix()
        sub = c.subscribe(sessions=["main"], since=0)
        self.control({"op": "flood", "from": SENDER, "to": BOT_TOKEN, "count": count, "rate": 0, "batch": 7,
                      "text": "p"})
        c.wait(lambda: len(c.updates(sub)) >= count, "the flood at the subscriber")
        pushed = [(seq, u) for _, seq, u in c.updates(sub)]
        self.assertEqual([seq for seq, _ in pushed], list(range(1, count + 1)))
        # Pages of 50 from offset 1, as a Bot-API client polls.
        pulled, offset = [], 1
        while True:
            page = self.rpc.call("getUpdates", {"session": "main", "offset": offset, "limit": 50})
            self.assertLessEqual(len(page["updates"]), 50)
            pulled += [(p["seq"], p["update"]) for p in page["updates"]]
            self.assertEqual(page["next_offset"], (pulled[-1][0] if pulled else 0) + 1)
            if not page["updates"]:
                break
            offset = page["next_offset"]
        self.assertEqual(pulled, pushed)
        self.assertTrue(all(p["session"] == "main" for p in
                            self.rpc.call("getUpdates", {"session": "main", "offset": 1, "limit": 3})["updates"]))
        # The last N (negative offset), over HTTP.
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ws_port}/rpc", method="POST",
            data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getUpdates",
                             "params": {"session": "main", "offset": -3}}).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=DEADLINE) as response:
            last3 = json.loads(response.read())["result"]["updates"]
        self.assertEqual([(p["seq"], p["update"]) for p in last3], pushed[-3:])
        # A long poll from the next seq waits for the next update and returns it at once.
        poll = self.rpc.send("getUpdates", {"session": "main", "offset": count + 1, "timeout": 30})
        time.sleep(0.2)  # the poll is waiting (it must not answer empty)
        with self.rpc.cond:
            self.assertNotIn(poll, self.rpc.answers, "the long poll answered before any update")
        started = time.monotonic()
        self.send_to_bot("polled")
        answer = self.rpc.answer(poll)
        self.assertLess(time.monotonic() - started, 10)
        c.wait(lambda: len(c.updates(sub)) == count + 1, "the polled message at the subscriber")
        self.assertEqual([(p["seq"], p["update"]) for p in answer["result"]["updates"]],
                         [(seq, u) for _, seq, u in c.updates(sub)[count:]])
        self.assertEqual(message_text(answer["result"]["updates"][0]["update"]), "polled")

class FormattingTest(TwoAccountsCase):
    def test_parse_mode_html_sends_the_plain_text_and_parse_text_shows_the_entities(self):
        sub = self.rpc.subscribe(sessions=["main"], types=["updateNewMessage"])
        html = '<b>bold</b> 😀 <a href="https://t.me/x">link</a>'
        parsed = self.rpc.call("parseText", {"text": html})
        expected = [{"_": "messageEntityBold", "offset": 0, "length": 4},
                    {"_": "messageEntityTextUrl", "offset": 8, "length": 4, "url": "https://t.me/x"}]
        self.assertEqual(parsed, {"message": "bold 😀 link", "entities": expected})
        self.rpc.call("messages.sendMessage", {"session": "alice", "peer": f"@{BOT_USERNAME}", "message": html,
                                               "parse_mode": "HTML"})
        self.rpc.wait(lambda: len(self.rpc.updates(sub)) == 1, "the formatted message")
        message = self.rpc.updates(sub)[0][2]["message"]
        self.assertEqual(message["message"], "bold 😀 link")  # sent as plain text (markup gone)
        # The entities went to Telegram with it and came back on the bot's side unchanged (the test
        # DC keeps them and pushes them in updateShortMessage, which tgd expands).
        self.assertEqual(message["entities"], expected)
        error = self.rpc.call_raw("messages.sendMessage", {"session": "alice", "peer": f"@{BOT_USERNAME}",
                                                           "message": "<b>oops", "parse_mode": "HTML"})["error"]
        self.assertEqual(error["code"], -32602, error)
        self.assertTrue(error["message"].startswith("params.message: bad HTML at byte "), error)

    def test_markdown_sent_arrives_with_its_entities_and_the_update_turns_back_into_the_same_markup(self):
        sub = self.rpc.subscribe(sessions=["main"], types=["updateNewMessage"])
        markdown = "*bold* 😀 _it_ [link](https://t.me/x) ||secret||\\."
        self.rpc.call("messages.sendMessage", {"session": "alice", "peer": f"@{BOT_USERNAME}",
                                               "message": markdown, "parse_mode": "MarkdownV2"})
        self.rpc.wait(lambda: len(self.rpc.updates(sub)) == 1, "the formatted message")
        update = self.rpc.updates(sub)[0][2]
        self.assertEqual(update["message"]["message"], "bold 😀 it link secret.")
        self.assertEqual([(e["_"], e["offset"], e["length"]) for e in update["message"]["entities"]],
                         [("messageEntityBold", 0, 4), ("messageEntityItalic", 8, 2),
                          ("messageEntityTextUrl", 11, 4), ("messageEntitySpoiler", 16, 6)])
        # The update as it came, back to markup: the same Markdown, and HTML that parses to the same.
        self.assertEqual(self.rpc.call("messageToMarkdown", {"message": update}), {"text": markdown})
        html = self.rpc.call("messageToHtml", {"message": update})["text"]
        self.assertEqual(self.rpc.call("parseText", {"text": html, "parse_mode": "HTML"}),
                         {"message": update["message"]["message"], "entities": update["message"]["entities"]})


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cli.TGD, cli.TESTDC = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
