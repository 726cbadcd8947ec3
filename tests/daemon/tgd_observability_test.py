#!/usr/bin/env python3
"""End-to-end tests of tgd's observability over HTTP, through the real binaries (`tgd demo`):
GET /health (no token, but the Host and Origin checks), GET /metrics (the token; Prometheus text
format, parsed), and the event-loop stall watchdog (the daemon stopped with SIGSTOP for a moment
is a stall: a warning in the log, counted in /metrics).

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


class ObservabilityTest(cli.DemoTestCase):
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
        self.assertEqual(families["tgd_telegram_call_duration_seconds"], "summary")
        self.assertGreaterEqual(samples[("tgd_rpc_requests_total", frozenset())], 1)
        self.assertEqual(families["tgd_event_loop_lateness_seconds"], "histogram")
        inf = samples[("tgd_event_loop_lateness_seconds_bucket", frozenset({("le", "+Inf")}))]
        self.assertEqual(inf, samples[("tgd_event_loop_lateness_seconds_count", frozenset())])
        self.assertGreater(inf, 0)
        self.assertIn(("tgd_subscriptions_active", frozenset()), samples)
        self.assertIn(("tgd_transfer_bytes_total", frozenset({("direction", "download")})), samples)

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


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cli.TGD, cli.TESTDC = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
