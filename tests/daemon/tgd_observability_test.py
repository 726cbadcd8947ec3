#!/usr/bin/env python3
"""End-to-end tests of tgd's observability over HTTP, through the real binaries (`tgd demo`):
GET /health (no token, but the Host and Origin checks), GET /metrics (the token; Prometheus text
format, parsed: requests by method and outcome, latency histograms, MTProto connections per DC),
and the event-loop stall watchdog (the daemon stopped with SIGSTOP for a moment is a stall: a
warning in the log, counted in /metrics). Against `tgd run` and a tgd-testdc with its control
socket (tgd_updates_test.py's two accounts): a connection the test DC drops is counted as a
reconnect of its DC; subscriptions, their lag and the update lag.

  tgd_observability_test.py TGD TGD_TESTDC [TestClass[.test_method] ...]

Standard library only.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tgd_cli_test as cli  # noqa: E402
import tgd_updates_test as upd  # noqa: E402

# A sample line: name, optional {labels}, value (the text format 0.0.4).
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"')


def parse_metrics(text):
    """{(name, frozenset(labels)): value}, checking that every family has # HELP and # TYPE before its
    samples and appears once."""
    samples, families, current = {}, {}, None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            current = line.split(" ")[2]
            assert current not in families, f"family {current} twice"
            families[current] = None
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name == current, line
            families[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name = m.group(1)
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name == current or base == current, f"{name} outside its family ({current})"
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        samples[(name, labels)] = float(m.group(3))
    return samples, families


def labels(**kv):
    return frozenset(kv.items())


def series(samples, name, **match):
    """{labels: value} of the samples of `name` whose labels include `match`."""
    want = set(match.items())
    return {ls: v for (n, ls), v in samples.items() if n == name and want <= ls}


class HistogramChecks:
    def assertHistogram(self, samples, name, **match):
        """The histogram `name`{match} is well formed: cumulative buckets up to +Inf, which equals
        _count. Its _count."""
        buckets = sorted(((float(dict(ls)["le"]), v) for ls, v in series(samples, name + "_bucket", **match).items()
                          if ls - {("le", dict(ls)["le"])} == labels(**match)), key=lambda b: b[0])
        self.assertGreater(len(buckets), 1, f"no buckets of {name}{match}")
        self.assertEqual(buckets[-1][0], float("inf"))
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts), f"{name}{match}: buckets not cumulative: {buckets}")
        count = samples[(name + "_count", labels(**match))]
        self.assertEqual(counts[-1], count)
        self.assertGreaterEqual(samples[(name + "_sum", labels(**match))], 0)
        return count


class ObservabilityTest(cli.DemoTestCase, HistogramChecks):
    def get(self, path, headers=None, host=None):
        url = self.demo.ready["http"].rsplit("/", 1)[0] + path
        request = urllib.request.Request(url, headers=headers or {})
        if host is not None:
            request.add_header("Host", host)
        try:
            with urllib.request.urlopen(request, timeout=cli.CALL_TIMEOUT) as response:
                return response.status, response.headers.get("Content-Type"), response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read().decode()

    def bearer(self):
        return {"Authorization": "Bearer " + self.demo.ready["token"]}

    def metrics(self):
        status, content_type, body = self.get("/metrics", self.bearer())
        self.assertEqual(status, 200, body)
        self.assertEqual(content_type, "text/plain; version=0.0.4; charset=utf-8")
        return parse_metrics(body)

    def test_health_needs_no_token_and_tells_nothing_more(self):
        status, content_type, body = self.get("/health")
        self.assertEqual((status, content_type), (200, "application/json"))
        self.assertEqual(json.loads(body), {"status": "ok"})
        self.assertEqual(self.get("/health", {"Origin": "http://evil.example"})[0], 403)
        port = urllib.parse.urlsplit(self.demo.ready["http"]).port
        self.assertEqual(self.get("/health", host=f"evil.example:{port}")[0], 403)  # DNS rebinding

    def test_metrics_need_the_token(self):
        self.assertEqual(self.get("/metrics")[0], 401)
        self.assertEqual(self.get("/metrics", {"Authorization": "Bearer " + "x" * 43})[0], 401)
        status, _, _ = self.get("/metrics?token=" + urllib.parse.quote(self.demo.ready["token"]))
        self.assertEqual(status, 200)

    def test_metrics_report_sessions_calls_and_the_loop(self):
        self.assertEqual(cli.call(self.demo.socket, "getSelf", json.dumps({"session": "demo"})).returncode, 0)
        samples, families = self.metrics()
        self.assertEqual(families["tgd_session_state"], "gauge")
        for session in ("demo", "demobot"):
            self.assertEqual(samples[("tgd_session_state", frozenset({("session", session), ("state", "ready")}))], 1)
            self.assertEqual(samples[("tgd_session_state", frozenset({("session", session), ("state", "new")}))], 0)
        calls = ("tgd_telegram_calls_total", frozenset({("session", "demo"), ("method", "users.getUsers")}))
        self.assertGreaterEqual(samples[calls], 1)
        ok = ("tgd_telegram_call_outcomes_total",
              frozenset({("session", "demo"), ("method", "users.getUsers"), ("outcome", "ok")}))
        self.assertGreaterEqual(samples[ok], 1)
        self.assertEqual(families["tgd_telegram_call_duration_seconds"], "histogram")
        self.assertGreaterEqual(self.assertHistogram(samples, "tgd_telegram_call_duration_seconds", session="demo",
                                                     method="users.getUsers"), 1)
        self.assertGreaterEqual(samples[("tgd_rpc_requests_total", frozenset())], 1)
        self.assertEqual(families["tgd_event_loop_lateness_seconds"], "histogram")
        inf = samples[("tgd_event_loop_lateness_seconds_bucket", frozenset({("le", "+Inf")}))]
        self.assertEqual(inf, samples[("tgd_event_loop_lateness_seconds_count", frozenset())])
        self.assertGreater(inf, 0)
        self.assertIn(("tgd_subscriptions_active", frozenset()), samples)
        self.assertIn(("tgd_transfer_bytes_total", frozenset({("direction", "download")})), samples)

    def test_requests_are_counted_by_method_and_outcome_with_latency_histograms(self):
        before, _ = self.metrics()
        for _ in range(2):
            self.assertEqual(cli.call(self.demo.socket, "getSelf", json.dumps({"session": "demo"})).returncode, 0)
        # Telegram refuses it (an unknown user): a telegram_error.
        bad_user = '{"id":[{"_":"inputUser","user_id":"42","access_hash":"1"}]}'
        self.assertEqual(cli.call(self.demo.socket, "users.getUsers", bad_user, "--session", "demo").returncode, 3)
        # No such session: tgd's own error.
        self.assertEqual(cli.call(self.demo.socket, "getSelf", '{"session":"nobody"}').returncode, 2)
        samples, families = self.metrics()
        self.assertEqual(families["tgd_rpc_method_requests_total"], "counter")
        self.assertEqual(families["tgd_rpc_method_duration_seconds"], "histogram")

        def delta(method, outcome):
            key = ("tgd_rpc_method_requests_total", labels(method=method, outcome=outcome))
            return samples[key] - before.get(key, 0)

        self.assertEqual(delta("getSelf", "ok"), 2)
        self.assertEqual(delta("getSelf", "error"), 1)
        self.assertEqual(delta("getSelf", "telegram_error"), 0)
        self.assertEqual(delta("users.getUsers", "telegram_error"), 1)
        for method in ("getSelf", "users.getUsers"):
            count = self.assertHistogram(samples, "tgd_rpc_method_duration_seconds", method=method)
            ended = sum(samples[("tgd_rpc_method_requests_total", labels(method=method, outcome=o))]
                        for o in ("ok", "telegram_error", "error"))
            self.assertEqual(count, ended, method)

    def test_unknown_method_names_share_one_label_value(self):
        for name in ("noSuchMethod", "messages.sendMesage", 'quote"and\\backslash'):
            request = json.dumps({"jsonrpc": "2.0", "id": 1, "method": name})
            status, _, body = self.get_rpc(request)
            self.assertEqual(json.loads(body)["error"]["code"], -32601, body)
        samples, _ = self.metrics()
        methods = {dict(ls)["method"] for ls in series(samples, "tgd_rpc_method_requests_total")}
        self.assertIn("(unknown)", methods)
        self.assertFalse({"noSuchMethod", "messages.sendMesage"} & methods, methods)
        self.assertTrue(all(m == "(unknown)" or '"' not in m for m in methods), methods)
        self.assertGreaterEqual(samples[("tgd_rpc_method_requests_total", labels(method="(unknown)",
                                                                                 outcome="error"))], 3)
        self.assertGreaterEqual(self.assertHistogram(samples, "tgd_rpc_method_duration_seconds",
                                                     method="(unknown)"), 3)

    def test_connections_are_reported_per_dc_with_the_bytes_they_moved(self):
        self.assertEqual(cli.call(self.demo.socket, "getSelf", json.dumps({"session": "demo"})).returncode, 0)
        samples, families = self.metrics()
        self.assertEqual(families["tgd_mtproto_connections"], "gauge")
        main = series(samples, "tgd_mtproto_connections", session="demo", kind="main")
        self.assertTrue(main, "no main connection of session demo")
        # The main DC's, and another DC's when the login migrated there.
        connected = [dict(ls)["dc"] for ls, v in main.items() if v == 1]
        self.assertGreaterEqual(len(connected), 1, main)
        for dc in connected:
            self.assertRegex(dc, r"^[1-9][0-9]*$")
            for direction in ("sent", "received"):
                self.assertGreater(samples[("tgd_mtproto_bytes_total",
                                            labels(session="demo", dc=dc, kind="main", direction=direction))], 0)
            for name in ("tgd_mtproto_reconnects_total", "tgd_mtproto_resends_total"):
                self.assertGreaterEqual(samples[(name, labels(session="demo", dc=dc, kind="main"))], 0)

    def get_rpc(self, body):
        url = self.demo.ready["http"]
        request = urllib.request.Request(url, data=body.encode(), headers=dict(self.bearer(), **{
            "Content-Type": "application/json"}))
        with urllib.request.urlopen(request, timeout=cli.CALL_TIMEOUT) as response:
            return response.status, response.headers.get("Content-Type"), response.read().decode()

    def test_a_stalled_loop_is_logged_and_counted(self):
        # A call in flight during the stall, which the warning names.
        sleeper = subprocess.Popen([cli.TGD, "call", "sleep", '{"seconds": 3}', "--socket", self.demo.socket],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            before, _ = self.metrics()
            if before[("tgd_requests_in_flight", frozenset())] >= 1 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        stalls = before[("tgd_event_loop_stalls_total", frozenset())]
        # Stopped for 0.6 s, the daemon's loop wakes that late: a stall over the 200 ms default.
        os.kill(self.demo.process.pid, signal.SIGSTOP)
        time.sleep(0.6)
        os.kill(self.demo.process.pid, signal.SIGCONT)
        self.assertEqual(sleeper.wait(timeout=cli.CALL_TIMEOUT), 0)
        deadline = time.monotonic() + 30
        while True:
            after, _ = self.metrics()
            if after[("tgd_event_loop_stalls_total", frozenset())] > stalls or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertGreater(after[("tgd_event_loop_stalls_total", frozenset())], stalls)
        over = after[("tgd_event_loop_lateness_seconds_bucket", frozenset({("le", "+Inf")}))] - \
            after[("tgd_event_loop_lateness_seconds_bucket", frozenset({("le", "0.25")}))]
        self.assertGreaterEqual(over, 1)
        log = self.demo.log.read_text(errors="replace")
        self.assertRegex(log, r"event loop stalled for [0-9]+ ms \(threshold 200 ms\): every session and client "
                              r"waited; 1 request\(s\) in flight: sleep\n")


class MetricsWithTheTestDcTest(upd.TwoAccountsCase, HistogramChecks):
    """`tgd run` with a bot ("main") and a user ("alice") against a tgd-testdc with its control socket."""

    subscriber_buffer = "64KiB"
    lag_timeout = "1h"  # the slow subscriber below stays subscribed while the test looks at it

    def metrics(self):
        request = urllib.request.Request(f"http://127.0.0.1:{self.ws_port}/metrics",
                                         headers={"Authorization": "Bearer " + self.token})
        with urllib.request.urlopen(request, timeout=cli.CALL_TIMEOUT) as response:
            self.assertEqual(response.status, 200)
            return parse_metrics(response.read().decode())[0]

    def wait_metrics(self, condition, what, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            samples = self.metrics()
            if condition(samples):
                return samples
            if time.monotonic() > deadline:
                self.fail(f"timed out waiting for {what}")
            time.sleep(0.1)

    def alice_main(self, samples, name):
        """{dc: value} of alice's main connections."""
        return {dict(ls)["dc"]: v for ls, v in series(samples, name, session="alice", kind="main").items()}

    def test_a_connection_the_test_dc_drops_counts_as_a_reconnect_of_its_dc(self):
        self.rpc.call("help.getNearestDc", {"session": "alice"})
        before = self.metrics()
        connected = [dc for dc, v in self.alice_main(before, "tgd_mtproto_connections").items() if v == 1]
        self.assertEqual(len(connected), 1, before)
        dc = connected[0]
        reconnects = self.alice_main(before, "tgd_mtproto_reconnects_total")[dc]
        # The test DC runs alice's next help.getNearestDc and closes the connection before answering:
        # tgd reconnects and sends it again.
        self.control({"op": "rpc_fault", "method": "help.getNearestDc", "drop_connection": True, "count": 1})
        self.assertEqual(self.rpc.call("help.getNearestDc", {"session": "alice"})["_"], "nearestDc")
        after = self.wait_metrics(
            lambda s: self.alice_main(s, "tgd_mtproto_connections").get(dc) == 1 and
            self.alice_main(s, "tgd_mtproto_reconnects_total")[dc] > reconnects, "the reconnect counted")
        self.assertEqual(self.alice_main(after, "tgd_mtproto_reconnects_total")[dc], reconnects + 1)
        # The call lost with the connection went out again.
        self.assertGreater(self.alice_main(after, "tgd_mtproto_resends_total")[dc],
                           self.alice_main(before, "tgd_mtproto_resends_total")[dc])
        for direction in ("sent", "received"):
            key = ("tgd_mtproto_bytes_total", labels(session="alice", dc=dc, kind="main", direction=direction))
            self.assertGreater(after[key], before[key])

    def test_subscriptions_their_lag_and_the_update_lag_are_reported_per_session(self):
        main = labels(session="main")
        samples = self.metrics()
        self.assertEqual(samples[("tgd_session_subscriptions", main)], 0)
        self.assertEqual(samples[("tgd_subscription_lag_max", main)], 0)
        # A subscriber that reads nothing: once the kernel's buffers and its 64 KiB are full, the
        # updates released meanwhile are its lag.
        slow = upd.JsonLines(self.socket, timeout=upd.DEADLINE)
        self.addCleanup(slow.close)
        answer = slow.request({"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": {"sessions": ["main"]}})
        self.assertIn("result", answer, answer)
        self.send_to_bot("warm-up")
        self.wait_metrics(lambda s: s[("tgd_session_subscriptions", main)] == 1 and
                          s.get(("tgd_updates_lag_seconds_count", main), 0) >= 1, "the subscription and warm-up")
        count = 3000
        flooded = self.control({"op": "flood", "from": upd.SENDER, "to": upd.BOT_TOKEN, "count": count,
                                "batch": 500, "text": "lag"})
        self.assertEqual(flooded["sent"], count)
        samples = self.wait_metrics(lambda s: s.get(("tgd_updates_lag_seconds_count", main), 0) >= count + 1,
                                    "the flood released")
        self.assertGreater(samples[("tgd_subscription_lag_max", main)], 0, "the slow subscriber is not behind")
        self.assertEqual(samples[("tgd_subscription_lag_total", main)], samples[("tgd_subscription_lag_max", main)])
        self.assertLessEqual(samples[("tgd_subscription_lag_max", main)], count + 1)
        # Updates sent a moment ago: their age when released is seconds, not more.
        self.assertEqual(self.assertHistogram(samples, "tgd_updates_lag_seconds", session="main"),
                         samples[("tgd_updates_lag_seconds_count", main)])
        within = samples[("tgd_updates_lag_seconds_bucket", labels(session="main", le="60"))]
        self.assertEqual(within, samples[("tgd_updates_lag_seconds_count", main)])
        self.assertGreaterEqual(samples[("tgd_journal_entries", main)], count + 1)
        # The subscriber goes: no subscription, no lag.
        slow.close()
        self.wait_metrics(lambda s: s[("tgd_session_subscriptions", main)] == 0 and
                          s[("tgd_subscription_lag_max", main)] == 0, "the subscription gone")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cli.TGD, cli.TESTDC = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
