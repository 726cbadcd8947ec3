#!/usr/bin/env python3
"""End-to-end tests of tgd's update stream through the real binaries: `tgd run` on a custom network
pointing at a separately started tgd-testdc (its --control socket makes other accounts send
messages), subscribers on the UNIX socket.

  tgd_updates_test.py TGD TGD_TESTDC [TestClass[.test_method] ...]

The kill -9 test: 1,000 messages keep arriving while tgd is killed and restarted; a subscriber that
resumes with `since` gets every one exactly once, in order, with consecutive seqs.
Standard library only; generous deadlines (a slow, busy 2-core machine, AddressSanitizer).
"""

import json
import signal
import socket
import sys
import threading
import time
import unittest
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


class UpdatesKill9Test(cli.CustomNetworkCase):
    def extra_testdc_flags(self):
        self.control_path = str(self.tmp / "control.sock")
        return ["--control", self.control_path]

    def control(self, command):
        client = JsonLines(self.control_path, timeout=300)
        try:
            answer = client.request(command)
        finally:
            client.close()
        self.assertTrue(answer and answer.get("ok"), f"{command} -> {answer}")
        return answer

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


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cli.TGD, cli.TESTDC = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
