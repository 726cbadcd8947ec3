#!/usr/bin/env python3
"""End-to-end tests of tgd under systemd's protocols, through the real binaries, without systemd:

- sd_notify: a fake NOTIFY_SOCKET (an AF_UNIX datagram socket the test binds) and WATCHDOG_USEC;
  READY=1 only once the socket accepts connections, STATUS= lines, WATCHDOG=1 pings, RELOADING=1
  then READY=1 around a SIGHUP, STOPPING=1 and exit 0 on SIGTERM;
- SIGHUP reloads: listeners, access rules, log level and new sessions applied without dropping a
  connection; a bad configuration refused, the old one kept; SIGUSR1 reopening the log file;
- socket activation: listening sockets passed the way systemd does (descriptors 3 and up,
  LISTEN_FDS, LISTEN_PID = tgd's own pid) served instead of bound.

  tgd_systemd_test.py TGD TGD_TESTDC [TestClass[.test_method] ...]

Standard library only; generous deadlines (a slow, busy 2-core machine, AddressSanitizer).
"""

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tgd_cli_test as cli  # noqa: E402  (shared helpers: run, call, CustomNetworkCase)

STATUS_LINE = re.compile(r"^\d+/\d+ sessions? ready, \d+ connections?, \d+\.\d requests/s, \d+ in flight$")


class Notifications:
    """A fake NOTIFY_SOCKET. A thread reads every datagram into (time, {key: value}); when READY=1
    arrives it connects to tgd's socket at once and records whether that worked, which shows
    whether READY=1 came only after the listener was open."""

    def __init__(self, path, tgd_socket):
        self.path = str(path)
        self.tgd_socket = tgd_socket
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.messages = []  # (monotonic time, dict)
        self.ready_connects = []  # for each READY=1: did tgd's socket accept a connection then?
        self.lock = threading.Condition()
        self.running = True
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        while self.running:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
            connected = None
            if fields.get("READY") == "1":
                probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    probe.connect(self.tgd_socket)
                    connected = True
                except OSError:
                    connected = False
                finally:
                    probe.close()
            with self.lock:
                if connected is not None:
                    self.ready_connects.append(connected)
                self.messages.append((time.monotonic(), fields))
                self.lock.notify_all()

    def wait_for(self, predicate, timeout, after=0):
        """The index of the first message from index `after` on that satisfies predicate."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for i in range(after, len(self.messages)):
                    if predicate(self.messages[i][1]):
                        return i
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no such notification in {timeout} s; got {self.snapshot()}")
                self.lock.wait(left)

    def snapshot(self):
        with self.lock:
            return [m for _, m in self.messages]

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


class LineClient:
    """One persistent connection to tgd's UNIX socket (newline-delimited JSON-RPC)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(path)
        self.buffer = b""
        self.next_id = 1

    def call(self, method, params=None):
        self.send(method, params)
        return self.receive()

    def send(self, method, params=None):
        """Sends a request without waiting; its id."""
        request = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}}
        self.next_id += 1
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        return request["id"]

    def receive(self):
        """The next message from tgd."""
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("tgd closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        self.sock.close()


class SystemdCase(cli.CustomNetworkCase):
    """tgd run against a test DC, with the environment systemd would give it."""

    def setUp(self):
        super().setUp()
        self.base_config = self.config.read_text()
        self.notify = Notifications(self.tmp / "notify.sock", self.socket)
        self.addCleanup(self.notify.close)

    def write_config(self, extra):
        """The base config (test DC, paths, session main) plus `extra` TOML."""
        self.config.write_text(self.base_config + "\n" + extra)
        self.config.chmod(0o600)

    def spawn(self, name, args=None, env=None, pass_fds=()):
        log = open(self.tmp / f"{name}.log", "wb")
        self.addCleanup(log.close)
        daemon = subprocess.Popen(args or [cli.TGD, "run", "--config", str(self.config)], stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=subprocess.STDOUT, env=env, pass_fds=pass_fds)
        self.daemons.append(daemon)
        return daemon

    def start_notified(self, name, watchdog_usec=None, extra_env=None):
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.path, **(extra_env or {}))
        env.pop("LISTEN_FDS", None)
        if watchdog_usec:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        start = len(self.notify.snapshot())  # a READY=1 of this daemon's, not of one before it
        daemon = self.spawn(name, env=env)
        self.notify.wait_for(lambda m: m.get("READY") == "1", cli.READY_TIMEOUT, start)
        self.assertIsNone(daemon.poll(), self.log(name))
        return daemon

    def reload(self, daemon):
        """SIGHUP; returns once tgd said READY=1 again (the reload applied or refused)."""
        start = len(self.notify.snapshot())
        daemon.send_signal(signal.SIGHUP)
        i = self.notify.wait_for(lambda m: m.get("RELOADING") == "1", 30, start)
        self.notify.wait_for(lambda m: m.get("READY") == "1", 60, i + 1)

    def wait_log(self, name, text, timeout=30):
        deadline = time.monotonic() + timeout
        while text not in self.log(name):
            if time.monotonic() > deadline:
                self.fail(f"no {text!r} in the log:\n{self.log(name)}")
            time.sleep(0.05)

    def full_log(self, name):
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def stop(self, daemon, name):
        """SIGTERM; exit status 0 expected (the log in the failure otherwise)."""
        daemon.send_signal(signal.SIGTERM)
        try:
            status = daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.fail(f"tgd did not stop in 60 s after SIGTERM:\n{self.log(name)}")
        self.assertEqual(status, 0, self.log(name))


def http_call(port, token, method, origin=None):
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if origin:
        headers["Origin"] = origin
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": {}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/rpc", body, headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, None


class NotifyTest(SystemdCase):
    def test_ready_status_watchdog_reloading_stopping(self):
        daemon = self.start_notified("notified", watchdog_usec=1_000_000)
        messages = self.notify.snapshot()
        ready = next(m for m in messages if m.get("READY") == "1")
        self.assertEqual(self.notify.ready_connects, [True], "READY=1 before the socket accepted connections")
        self.assertRegex(ready.get("STATUS", ""), STATUS_LINE)
        self.assertTrue(ready["STATUS"].startswith("0/1 session ready, "), ready)

        # WATCHDOG_USEC=1 s: pings every 0.5 s, from the event loop.
        first = len(self.notify.snapshot())
        time.sleep(3)
        pings = [m for m in self.notify.snapshot()[first:] if m.get("WATCHDOG") == "1"]
        self.assertGreaterEqual(len(pings), 3, self.notify.snapshot())
        self.assertLessEqual(len(pings), 8, self.notify.snapshot())

        # The periodic STATUS= counts an open connection.
        client = LineClient(self.socket)
        self.addCleanup(client.close)
        self.assertEqual(client.call("listSessions")["result"][0]["name"], "main")
        start = len(self.notify.snapshot())
        i = self.notify.wait_for(lambda m: "STATUS" in m and "READY" not in m and "1 connection," in m["STATUS"],
                                 20, start)
        self.assertRegex(self.notify.snapshot()[i]["STATUS"], STATUS_LINE)

        # SIGHUP: RELOADING=1 (with the monotonic time newer systemd wants), then READY=1 again.
        start = len(self.notify.snapshot())
        daemon.send_signal(signal.SIGHUP)
        i = self.notify.wait_for(lambda m: m.get("RELOADING") == "1", 30, start)
        self.assertRegex(self.notify.snapshot()[i].get("MONOTONIC_USEC", ""), r"^\d+$")
        j = self.notify.wait_for(lambda m: m.get("READY") == "1", 30, i + 1)
        self.assertRegex(self.notify.snapshot()[j]["STATUS"], STATUS_LINE)
        self.assertEqual(self.notify.ready_connects, [True, True])
        self.assertIn("reloaded", self.log("notified"))
        self.assertEqual(client.call("listSessions")["result"][0]["name"], "main", "the connection survives")

        # SIGUSR1 without a log file: said so, nothing else.
        daemon.send_signal(signal.SIGUSR1)
        self.wait_log("notified", "SIGUSR1: logs go to stderr")

        # SIGTERM: STOPPING=1, exit 0, no READY=1 after it.
        start = len(self.notify.snapshot())
        daemon.send_signal(signal.SIGTERM)
        i = self.notify.wait_for(lambda m: m.get("STOPPING") == "1", 30, start)
        self.assertEqual(daemon.wait(timeout=60), 0, self.log("notified"))
        self.assertFalse(any(m.get("READY") for m in self.notify.snapshot()[i:]))

    def test_without_notify_socket_nothing_is_sent_and_all_works(self):
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
        env["WATCHDOG_USEC"] = "1000000"  # without NOTIFY_SOCKET: ignored, with a warning
        daemon = self.spawn("plain", env=env)
        deadline = time.monotonic() + cli.READY_TIMEOUT
        while cli.call(self.socket, "listSessions").returncode != 0:
            self.assertIsNone(daemon.poll(), self.log("plain"))
            self.assertLess(time.monotonic(), deadline, self.log("plain"))
            time.sleep(0.1)
        time.sleep(1.5)
        self.assertEqual(self.notify.snapshot(), [])
        self.assertIn("NOTIFY_SOCKET is not", self.log("plain"))
        self.stop(daemon, "plain")


class ReloadTest(SystemdCase):
    def test_listeners_access_log_level_and_sessions_reload_without_dropping_connections(self):
        daemon = self.start_notified("reload")
        client = LineClient(self.socket)
        self.addCleanup(client.close)
        self.assertEqual([s["name"] for s in client.call("listSessions")["result"]], ["main"])
        self.assertEqual(stat.S_IMODE(os.stat(self.socket).st_mode), 0o600)

        # TCP on, an origin allowed, the socket 0660, debug logs, a second session, and a key that
        # needs a restart.
        self.write_config("""
[listen.unix]
mode = "0660"

[listen.tcp]
enabled = true
port = 0

[security]
allowed_origins = ["http://dashboard.example"]

[log]
level = "debug"

[[session]]
name = "second"
""")
        # device_model sits in [telegram], at the top of the base config.
        self.config.write_text(self.config.read_text().replace("[telegram]\n", '[telegram]\ndevice_model = "other"\n', 1))
        self.reload(daemon)
        log = self.full_log("reload")
        match = re.search(r"reloaded .*http/ws on 127\.0\.0\.1:(\d+)", log)
        self.assertIsNotNone(match, log[-3000:])
        port = int(match.group(1))
        self.assertIn("log level debug", log)
        self.assertIn("applied at the next restart only: telegram.device_model", log)
        self.assertEqual(stat.S_IMODE(os.stat(self.socket).st_mode), 0o660)
        token = (self.tmp / "state" / "token").read_text().strip()
        status, answer = http_call(port, token, "listSessions", origin="http://dashboard.example")
        self.assertEqual(status, 200)
        self.assertEqual([s["name"] for s in answer["result"]], ["main", "second"])
        self.assertEqual(http_call(port, token, "listSessions", origin="http://evil.example")[0], 403)
        self.assertEqual(http_call(port, "wrong-token-wrong-token", "listSessions")[0], 401)
        # The connection made before the reload is still served.
        self.assertEqual([s["name"] for s in client.call("listSessions")["result"]], ["main", "second"])

        # A configuration with a typo is refused; everything stays as it was.
        good = self.config.read_text()
        self.config.write_text(good + '\n[limits]\nmax_in_fligth = 5\n')
        self.reload(daemon)
        self.wait_log("reload", "keeping the configuration in use")
        self.assertIn("limits.max_in_fligth", self.log("reload"))
        self.assertEqual(http_call(port, token, "listSessions")[0], 200)
        self.assertEqual(client.call("status")["result"]["open_connections"] >= 1, True)

        # A port already taken: refused as a whole (the socket path change with it is not applied).
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        self.addCleanup(blocker.close)
        other = str(self.tmp / "run" / "other.sock")
        self.config.write_text(good.replace("port = 0", f"port = {blocker.getsockname()[1]}")
                               .replace('mode = "0660"', f'mode = "0660"\npath = "{other}"'))
        self.reload(daemon)
        self.wait_log("reload", "reload: listeners:")
        self.assertFalse(os.path.exists(other))
        self.assertTrue(os.path.exists(self.socket))
        self.assertEqual(http_call(port, token, "listSessions")[0], 200)

        # The socket moved and TCP off: the new path serves, the old file is gone, TCP refuses,
        # and the old connection is still served.
        self.config.write_text(good.replace("enabled = true", "enabled = false")
                               .replace('mode = "0660"', f'mode = "0660"\npath = "{other}"'))
        self.reload(daemon)
        r = cli.call(other, "listSessions")
        self.assertEqual(r.returncode, 0, r.stderr + self.log("reload"))
        self.assertFalse(os.path.exists(self.socket))
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        self.assertEqual(client.call("listSessions")["result"][1]["name"], "second")

        # The session the config made leaves with its declaration, and comes back when declared again
        # (from its saved state); one added by addSession is not the config's to remove.
        self.assertIn("result", client.call("addSession", {"name": "by_api"}))
        moved = good.replace("enabled = true", "enabled = false").replace('mode = "0660"', f'mode = "0660"\npath = "{other}"')
        self.config.write_text(moved.replace('[[session]]\nname = "second"\n', ""))
        self.reload(daemon)
        self.wait_log("reload", "session second is no longer in the config: stopped")
        self.assertEqual([s["name"] for s in client.call("listSessions")["result"]], ["by_api", "main"])
        self.config.write_text(moved)
        self.reload(daemon)
        self.wait_log("reload", "session second declared again: restored")
        self.assertEqual([s["name"] for s in client.call("listSessions")["result"]], ["by_api", "main", "second"])
        self.stop(daemon, "reload")
        # At the next start too: a session the config made and no longer declares is not loaded.
        self.config.write_text(moved.replace('[[session]]\nname = "second"\n', ""))
        daemon = self.start_notified("restart")
        client = LineClient(other)
        self.addCleanup(client.close)
        self.assertEqual([s["name"] for s in client.call("listSessions")["result"]], ["by_api", "main"])
        self.stop(daemon, "restart")
        self.assertFalse(os.path.exists(other), "the socket file outlived the daemon")


class GracefulStopTest(SystemdCase):
    def test_sigterm_lets_calls_in_flight_answer_refuses_new_ones_then_cancels_the_rest(self):
        self.write_config('[limits]\nstop_grace = "10s"\n')
        daemon = self.start_notified("grace")
        busy = LineClient(self.socket)
        self.addCleanup(busy.close)
        idle = LineClient(self.socket)
        self.addCleanup(idle.close)
        short = busy.send("sleep", {"seconds": 1})
        time.sleep(0.2)  # the sleep is in flight
        began = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        self.wait_log("grace", "1 call(s) in flight: up to 10s for them to finish")
        # Nothing new connects; a new call on an open connection is refused with its own code.
        self.assertFalse(os.path.exists(self.socket))
        refused = idle.call("status")
        self.assertEqual(refused["error"]["code"], -32014, refused)
        # The call in flight finishes and is answered; then tgd exits 0 without waiting out the grace.
        answer = busy.receive()
        self.assertEqual(answer["id"], short)
        self.assertEqual(answer.get("result"), {"slept": 1}, answer)
        self.assertEqual(daemon.wait(timeout=30), 0, self.log("grace"))
        self.assertLess(time.monotonic() - began, 8)  # the 1 s sleep, not the 10 s grace
        self.assertNotIn("cancelling", self.full_log("grace"))

        # A call longer than the grace: cancelled when the grace ends, the exit still clean.
        self.write_config('[limits]\nstop_grace = "500ms"\n')
        daemon = self.start_notified("cancel")
        busy = LineClient(self.socket)
        self.addCleanup(busy.close)
        busy.send("sleep", {"seconds": 60})
        time.sleep(0.2)
        began = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        self.assertEqual(daemon.wait(timeout=30), 0, self.log("cancel"))
        self.assertLess(time.monotonic() - began, 5)
        self.assertIn("1 call(s) still running after the grace: cancelling them", self.full_log("cancel"))


class StallThresholdReloadTest(SystemdCase):
    def stall(self, daemon, name, seconds):
        """Stops the daemon for `seconds`; how many stall warnings were logged for it (a loaded
        machine may add stalls of its own, but not over a 5 s threshold)."""
        before = self.full_log(name).count("event loop stalled for")
        client = LineClient(self.socket)
        self.addCleanup(client.close)
        os.kill(daemon.pid, signal.SIGSTOP)
        time.sleep(seconds)
        os.kill(daemon.pid, signal.SIGCONT)
        client.call("status")  # the loop has run since
        time.sleep(0.3)  # the watchdog's next turn
        return self.full_log(name).count("event loop stalled for") - before

    def test_a_reload_applies_a_new_stall_threshold_at_once(self):
        daemon = self.start_notified("stall")
        self.assertGreaterEqual(self.stall(daemon, "stall", 0.6), 1, self.log("stall"))
        self.write_config('[monitoring]\nstall_threshold = "5s"\n')
        self.reload(daemon)
        self.assertEqual(self.stall(daemon, "stall", 0.6), 0, self.log("stall"))
        self.write_config('[monitoring]\nstall_threshold = "100ms"\n')
        self.reload(daemon)
        self.assertGreaterEqual(self.stall(daemon, "stall", 0.6), 1, self.log("stall"))
        self.assertIn("(threshold 100 ms)", self.full_log("stall"))
        self.stop(daemon, "stall")


class JournalLogTest(SystemdCase):
    def journal_env(self, name):
        """JOURNAL_STREAM naming the file `name`'s log goes to, as systemd names the journal's stream."""
        path = self.tmp / f"{name}.log"
        path.touch()
        st = os.stat(path)
        return {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}

    def run_and_reload_badly(self, name, extra_env):
        daemon = self.start_notified(name, extra_env=extra_env)
        good = self.config.read_text()
        self.config.write_text(good + "\n[limits]\nmax_in_fligth = 5\n")
        self.reload(daemon)
        self.wait_log(name, "keeping the configuration in use")
        self.config.write_text(good)
        self.stop(daemon, name)
        return [line for line in self.full_log(name).splitlines() if line]

    def test_stderr_that_is_the_journal_gets_priority_prefixes_and_no_timestamps(self):
        lines = self.run_and_reload_badly("journal", self.journal_env("journal"))
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^<[0-7]>", line)
            self.assertNotRegex(line, r"\[\d{4}-\d\d-\d\d ", line)
        self.assertTrue(any(line.startswith("<6>") and "ready" in line for line in lines), lines)
        self.assertTrue(any(line.startswith("<3>reload: the new configuration is invalid") for line in lines), lines)
        self.assertIn("<6>stopping", lines)

    def test_a_journal_stream_that_is_not_stderr_keeps_timestamps(self):
        # Set by systemd for the service, inherited by a child whose stderr went elsewhere.
        other = self.journal_env("elsewhere")
        lines = self.run_and_reload_badly("child", other)
        for line in lines:
            self.assertRegex(line, r"^\[\d{4}-\d\d-\d\d ", line)


class LogFileTest(SystemdCase):
    def test_the_log_file_is_private_and_sigusr1_reopens_it_after_a_move(self):
        log_file = self.tmp / "logs" / "tgd.log"
        self.write_config(f'[log]\nfile = "{log_file}"\n')
        daemon = self.start_notified("logfile")
        self.assertEqual(stat.S_IMODE(os.stat(log_file).st_mode), 0o600)
        self.assertIn("ready:", log_file.read_text())
        self.assertEqual(self.log("logfile"), "", "with a log file, nothing goes to stderr")

        rotated = log_file.with_name("tgd.log.1")
        os.rename(log_file, rotated)
        daemon.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 30
        while not (log_file.exists() and "reopened the log file" in log_file.read_text()):
            self.assertLess(time.monotonic(), deadline, rotated.read_text()[-2000:])
            time.sleep(0.05)
        self.assertEqual(stat.S_IMODE(os.stat(log_file).st_mode), 0o600)
        before = rotated.read_text()
        self.stop(daemon, "logfile")
        self.assertEqual(rotated.read_text(), before, "the moved file is written no more")
        self.assertIn("stopping", log_file.read_text())


# Starts a program with listening sockets as systemd passes them: dup'ed to descriptors 3, 4, …
# (SD_LISTEN_FDS_START), LISTEN_FDS their count and LISTEN_PID the program's own pid, which only
# exists once it runs, so that the variables are set by this wrapper right before exec.
ACTIVATE = r"""
import fcntl, os, sys
fds = [int(fd) for fd in sys.argv[1].split(",")]
high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in fds]  # out of the way of 3, 4, ...
for fd in fds:
    os.close(fd)
for i, fd in enumerate(high):
    os.dup2(fd, 3 + i)  # inheritable
    os.close(fd)
os.environ["LISTEN_FDS"] = str(len(fds))
os.environ["LISTEN_FDNAMES"] = ":".join(["tgd"] * len(fds))
os.environ["LISTEN_PID"] = str(os.getpid()) if sys.argv[2] == "self" else sys.argv[2]
os.execv(sys.argv[3], sys.argv[3:])
"""


class SocketActivationTest(SystemdCase):
    def activated(self, name, sockets, listen_pid="self"):
        fds = [s.fileno() for s in sockets]
        args = [sys.executable, "-c", ACTIVATE, ",".join(map(str, fds)), listen_pid,
                cli.TGD, "run", "--config", str(self.config)]
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.path)
        return self.spawn(name, args=args, env=env, pass_fds=fds)

    def test_inherited_unix_and_tcp_sockets_are_served_instead_of_bound(self):
        path = str(self.tmp / "activated.sock")
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        unix.bind(path)
        unix.listen()
        self.addCleanup(unix.close)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        self.addCleanup(tcp.close)
        port = tcp.getsockname()[1]
        # The Notifications probe connects to the adopted socket on READY=1.
        self.notify.tgd_socket = path

        daemon = self.activated("activated", [unix, tcp])
        self.notify.wait_for(lambda m: m.get("READY") == "1", cli.READY_TIMEOUT)
        self.assertEqual(self.notify.ready_connects, [True])
        self.assertIn("(listeners from systemd)", self.log("activated"))

        r = cli.call(path, "listSessions")
        self.assertEqual(r.returncode, 0, r.stderr + self.log("activated"))
        self.assertEqual([s["name"] for s in json.loads(r.stdout)], ["main"])
        self.assertFalse(os.path.exists(self.socket), "tgd bound its own socket as well")
        # listen.tcp is off in the config: the passed TCP socket is served all the same, with the token.
        token = (self.tmp / "state" / "token").read_text().strip()
        status, answer = http_call(port, token, "listSessions")
        self.assertEqual(status, 200)
        self.assertEqual(answer["result"][0]["name"], "main")
        self.assertEqual(http_call(port, "wrong-token-wrong-token", "listSessions")[0], 401)

        # A reload keeps the adopted sockets whatever the config says of its own.
        elsewhere = self.tmp / "run" / "elsewhere.sock"
        self.write_config(f'[listen.unix]\npath = "{elsewhere}"\n')
        self.reload(daemon)
        self.assertIn("reloaded", self.log("activated"))
        self.assertEqual(cli.call(path, "listSessions").returncode, 0, self.log("activated"))
        self.assertFalse(elsewhere.exists())

        self.stop(daemon, "activated")
        self.assertTrue(os.path.exists(path), "tgd removed systemd's socket file")
        # The listening socket is still ours (systemd's, in real life): it still takes connections.
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.connect(path)
        probe.close()

    def test_sockets_meant_for_another_pid_are_left_alone(self):
        path = str(self.tmp / "activated.sock")
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        unix.bind(path)
        unix.listen()
        self.addCleanup(unix.close)
        daemon = self.activated("other-pid", [unix], listen_pid="1")
        self.notify.wait_for(lambda m: m.get("READY") == "1", cli.READY_TIMEOUT)
        self.assertEqual(self.notify.ready_connects, [True])  # its own socket, self.socket
        r = cli.call(self.socket, "listSessions")
        self.assertEqual(r.returncode, 0, r.stderr + self.log("other-pid"))
        self.assertNotIn("listeners from systemd", self.log("other-pid"))
        self.stop(daemon, "other-pid")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cli.TGD, cli.TESTDC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
