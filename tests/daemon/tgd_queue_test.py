#!/usr/bin/env python3
"""End-to-end tests of ordered call queues (the "queue" option) through the real binaries: `tgd run`
against a separately started tgd-testdc, with a bot session ("main") and a user session ("alice") as
in tgd_updates_test.py.

  tgd_queue_test.py TGD TGD_TESTDC [TestClass[.test_method] ...]

Alice fires messages.sendMessage calls at the bot as JSON-RPC notifications (no answers); the order
in which the test DC processed them is the order of the bot's updateNewMessage stream (pts order).
In one queue, 1,000 arrive in the order they were fired — also when one of them fails and is
retried (FLOOD_WAIT injected by the test DC), and when the connection drops mid-way; without a
queue, the failed one arrives last. Bad queue names get a precise error; a daemon method holds its
place in its queue until it ends.
"""

import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tgd_cli_test as cli  # noqa: E402
import tgd_updates_test as upd  # noqa: E402

BOT_USERNAME = upd.BOT_USERNAME
ARRIVAL = 180  # seconds for a thousand messages to reach the bot (a loaded machine, ASan)


class QueueCase(upd.TwoAccountsCase):
    def setUp(self):
        super().setUp()
        self.sub = self.rpc.subscribe(sessions=["main"], types=["updateNewMessage"])

    def fire(self, texts, queue=None):
        """alice sends each text to the bot, as notifications written back to back on one connection."""
        for text in texts:
            params = {"session": "alice", "peer": f"@{BOT_USERNAME}", "message": text}
            if queue is not None:
                params["queue"] = queue
            self.rpc.transport.send({"jsonrpc": "2.0", "method": "messages.sendMessage", "params": params})

    def arrived(self, count):
        """The texts of the bot's first `count` messages, in the order the test DC processed them."""
        self.rpc.wait(lambda: len(self.rpc.updates(self.sub)) >= count, f"{count} messages at the bot",
                      timeout=ARRIVAL)
        return upd.texts_of(self.rpc.updates(self.sub))

    def flood_waits(self):
        """FLOOD_WAITs alice's sendMessage calls waited out (status's per-method counters)."""
        for session in self.rpc.call("status")["sessions"]:
            if session["name"] == "alice":
                return session["methods"]["messages.sendMessage"]["flood_waits"]
        self.fail("no session alice in status")

    def fault(self, command):
        return self.control(dict(command, op="rpc_fault"))


class QueueOrderTest(QueueCase):
    def test_a_thousand_sendmessage_notifications_in_one_queue_arrive_in_the_order_they_were_fired(self):
        texts = [f"q{i}" for i in range(1000)]
        self.fire(texts, queue="ordered")
        got = self.arrived(len(texts))
        self.assertEqual(got, texts)

    def test_a_failed_call_is_retried_before_the_ones_after_it_in_its_queue_and_overtaken_without_one(self):
        # The first sendMessage after this gets FLOOD_WAIT_1; tgd waits a second and retries it.
        self.fault({"method": "messages.sendMessage", "code": 420, "error": "FLOOD_WAIT_1", "count": 1})
        queued = [f"queued {i}" for i in range(50)]
        self.fire(queued, queue="retry")
        self.assertEqual(self.arrived(len(queued)), queued)
        self.assertEqual(self.flood_waits(), 1)

        self.fault({"method": "messages.sendMessage", "code": 420, "error": "FLOOD_WAIT_1", "count": 1})
        free = [f"free {i}" for i in range(50)]
        self.fire(free)
        got = self.arrived(len(queued) + len(free))[len(queued):]
        self.assertEqual(sorted(got), sorted(free))  # each once
        self.assertEqual(got[-1], "free 0")  # retried a second later: overtaken by all the others

    def test_calls_in_one_queue_stay_in_order_across_dropped_connections(self):
        texts = [f"d{i}" for i in range(1000)]
        # The test DC drops alice's connection after processing some calls, answers unsent.
        self.fault({"method": "messages.sendMessage", "drop_connection": True, "after": 150, "count": 3})
        self.fire(texts, queue="dropped")
        got = self.arrived(len(texts))
        self.assertEqual(got, texts)  # in order, each once
        time.sleep(1)  # a duplicate would come right behind
        self.assertEqual(len(self.rpc.updates(self.sub)), len(texts))


class QueueOptionTest(QueueCase):
    def test_a_bad_queue_name_is_refused_with_the_field_named(self):
        for bad in ("", 7, None, "x" * 257):
            error = self.rpc.call_raw("help.getNearestDc", {"session": "alice", "queue": bad})["error"]
            self.assertEqual(error["code"], -32602, error)
            self.assertTrue(error["message"].startswith("params.queue: "), error)
        # The option leaves the params: the TL codec never sees it.
        self.assertEqual(self.rpc.call("help.getNearestDc", {"session": "alice", "queue": "q"})["_"], "nearestDc")

    def test_a_daemon_method_holds_its_place_until_it_ends(self):
        slow = self.rpc.send("sleep", {"seconds": 1, "queue": "mixed"})
        fast = self.rpc.send("messages.sendMessage", {"session": "alice", "peer": f"@{BOT_USERNAME}",
                                                       "message": "after the sleep", "queue": "mixed"})
        other = self.rpc.call("messages.sendMessage", {"session": "alice", "peer": f"@{BOT_USERNAME}",
                                                        "message": "no queue"})
        self.assertIn("id", other)
        self.assertEqual(self.arrived(1), ["no queue"])  # not held up by the queue
        self.assertIn("result", self.rpc.answer(slow))
        self.assertIn("result", self.rpc.answer(fast))
        self.assertEqual(self.arrived(2), ["no queue", "after the sleep"])


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cli.TGD, cli.TESTDC = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
