#!/usr/bin/env python3
"""End-to-end tests of the tgd executable, through the real binaries: `tgd demo` (ready line,
socket mode, clean stop), `tgd call` (exit statuses, --raw), the HTTP listener's refusals, the
examples/ scripts, config errors, and `tgd run` on a custom network pointing at a separately started
tgd-testdc (login with `tgd login`, restart, one daemon per state directory).

  tgd_cli_test.py TGD TGD_TESTDC [TestClass[.test_method] ...]

Standard library only. Every wait polls with a generous deadline: the tests must pass on a slow,
busy 2-core machine and under AddressSanitizer.
"""

import json
import re
import os
import selectors
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

TGD = ""
TESTDC = ""
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
READY_TIMEOUT = 90  # seconds to wait for a ready line or a socket
CALL_TIMEOUT = 60  # seconds for one CLI command


def run(args, input=None, env=None, timeout=CALL_TIMEOUT):
    """Runs a command to completion; returns the CompletedProcess (text stdout/stderr)."""
    return subprocess.run(args, input=input, env=env, capture_output=True, text=True, timeout=timeout)


def call(socket_path, method, params=None, *extra, env=None):
    args = [TGD, "call", method] + ([params] if params is not None else []) + list(extra)
    if socket_path is not None:
        args += ["--socket", socket_path]
    return run(args, env=env)


def children_of(pid):
    """The pids whose parent is pid (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None  # gone


def read_line(process, stream, timeout, log_path=None):
    """Reads one line from a child's pipe with a deadline; fails the test with the log's tail."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                break
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                break
            data += chunk
    finally:
        selector.close()
    if b"\n" not in data:
        log = Path(log_path).read_text(errors="replace")[-3000:] if log_path else ""
        raise AssertionError(f"no ready line in {timeout} s (exit status {process.poll()}); got {data!r}\n{log}")
    line, rest = data.split(b"\n", 1)
    return line.decode(), rest


class Demo:
    """A running `tgd demo` (its temporary state directory under a private TMPDIR)."""

    def __init__(self, tmp):
        self.tmp = Path(tmp)
        self.log = self.tmp / "demo.log"
        env = dict(os.environ, TMPDIR=str(self.tmp))
        env.pop("TGD_SOCKET", None)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([TGD, "demo", "--testdc", TESTDC], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=log, env=env)
        try:
            self.ready_line, self.stdout_rest = read_line(self.process, self.process.stdout, READY_TIMEOUT, self.log)
            self.ready = json.loads(self.ready_line)
        except BaseException:
            self.stop()
            raise
        self.socket = self.ready["socket"]

    def env(self, **more):
        """The environment the examples read the connection info from."""
        return dict(os.environ, TGD=TGD, TGD_SOCKET=self.ready["socket"], TGD_HTTP=self.ready["http"],
                    TGD_WS=self.ready["ws"], TGD_TOKEN=self.ready["token"], **more)

    def stop(self):
        """SIGTERM; returns (exit status, everything else it printed on stdout)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        rest = self.process.stdout.read()
        self.process.stdout.close()
        return status, rest


class DemoTestCase(unittest.TestCase):
    """One demo for the whole class."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tgd-cli-test-")
        cls.demo = Demo(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.demo.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)


class DemoLifecycleTest(unittest.TestCase):
    def test_one_ready_line_a_0600_socket_and_a_clean_stop_on_sigterm(self):
        with tempfile.TemporaryDirectory(prefix="tgd-cli-test-") as tmp:
            demo = Demo(tmp)
            try:
                self.assertEqual(set(demo.ready), {"socket", "ws", "http", "token", "sessions"}, demo.ready_line)
                self.assertEqual(demo.ready["sessions"], ["demo", "demobot"])
                self.assertTrue(demo.ready["ws"].startswith("ws://127.0.0.1:"), demo.ready["ws"])
                self.assertTrue(demo.ready["http"].startswith("http://127.0.0.1:"), demo.ready["http"])
                self.assertRegex(demo.ready["http"], r"/rpc$")
                self.assertGreaterEqual(len(demo.ready["token"]), 16)

                mode = os.stat(demo.socket).st_mode
                self.assertTrue(stat.S_ISSOCK(mode))
                self.assertEqual(stat.S_IMODE(mode), 0o600, oct(mode))

                # The state directory is a fresh one under TMPDIR; the socket is in its run/.
                state = Path(demo.socket).parent.parent
                self.assertEqual(state.parent, Path(tmp), demo.socket)
                self.assertTrue(state.name.startswith("tgd-demo-"), state)
                self.assertTrue((state / "testdc.log").exists())

                testdc = [p for p in children_of(demo.process.pid) if "tgd-testdc" in (cmdline(p) or "")]
                self.assertEqual(len(testdc), 1, f"tgd-testdc children: {testdc}")
            finally:
                status, rest = demo.stop()
            self.assertEqual(status, 0, Path(demo.log).read_text(errors="replace")[-3000:])
            self.assertEqual(demo.stdout_rest + rest, b"", "stdout must hold the ready line only")
            self.assertFalse(state.exists(), f"{state} was left behind")
            self.assertNotIn("tgd-testdc", cmdline(testdc[0]) or "", "the test DC outlived the demo")


class CallTest(DemoTestCase):
    def test_success_prints_the_result_and_exits_0(self):
        r = call(self.demo.socket, "getSelf", None, "--session", "demo")
        self.assertEqual(r.returncode, 0, r.stderr)
        user = json.loads(r.stdout)
        self.assertEqual(user["_"], "user")
        self.assertTrue(user["self"])
        self.assertEqual(r.stderr, "")

    def test_the_socket_from_TGD_SOCKET(self):
        r = call(None, "listSessions", env=dict(os.environ, TGD_SOCKET=self.demo.socket))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([s["name"] for s in json.loads(r.stdout)], ["demo", "demobot"])

    def test_sleep_waits_and_answers(self):
        r = call(self.demo.socket, "sleep", '{"seconds":0.2}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"slept": 0.2})

    def test_an_unknown_session_exits_2(self):
        r = call(self.demo.socket, "getSelf", '{"session":"nobody"}')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn("-32000", r.stderr)

    def test_bad_params_exit_2_with_32602(self):
        r = call(self.demo.socket, "messages.getHistory", '{"peer":"me","limit":"ten"}', "--session", "demo")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("-32602", r.stderr)
        r = call(self.demo.socket, "sleep", '{"seconds":"long"}')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("-32602", r.stderr)

    def test_params_that_are_not_json_exit_2_at_once(self):
        started = time.monotonic()
        r = call(self.demo.socket, "getSelf", "{not json")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertLess(time.monotonic() - started, 30)

    def test_an_unknown_method_exits_2(self):
        r = call(self.demo.socket, "messages.sendMesage", "{}", "--session", "demo")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("-32601", r.stderr)

    def test_a_telegram_error_exits_3(self):
        r = call(self.demo.socket, "users.getUsers", '{"id":[{"_":"inputUser","user_id":"42","access_hash":"1"}]}',
                 "--session", "demo")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn("USER_ID_INVALID", r.stderr)

    def test_no_socket_exits_4(self):
        r = call(os.path.join(self.tmp, "no-such.sock"), "status")
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("no-such.sock", r.stderr)

    def test_raw_prints_the_request_and_response_lines(self):
        r = call(self.demo.socket, "getSelf", "{}", "--session", "demo", "--raw")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        self.assertTrue(lines[0].startswith("--> ") and lines[1].startswith("<-- "), r.stdout)
        request, response = json.loads(lines[0][4:]), json.loads(lines[1][4:])
        self.assertEqual(request["jsonrpc"], "2.0")
        self.assertEqual(request["method"], "getSelf")
        self.assertEqual(request["params"], {"session": "demo"})
        self.assertEqual(response["id"], request["id"])
        self.assertEqual(response["result"]["_"], "user")

    def test_raw_keeps_the_exit_status_of_an_error(self):
        r = call(self.demo.socket, "users.getUsers", '{"id":[{"_":"inputUser","user_id":"42","access_hash":"1"}]}',
                 "--session", "demo", "--raw")
        self.assertEqual(r.returncode, 3, r.stderr)
        response = json.loads(r.stdout.splitlines()[1][4:])
        self.assertEqual(response["error"]["message"], "USER_ID_INVALID")
        self.assertTrue(response["error"]["data"]["telegram"])


class HttpTest(DemoTestCase):
    def post(self, headers):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "listSessions"}).encode()
        request = urllib.request.Request(self.demo.ready["http"], body, {"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=CALL_TIMEOUT) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_the_token_is_accepted(self):
        status, body = self.post({"Authorization": "Bearer " + self.demo.ready["token"]})
        self.assertEqual(status, 200, body)
        self.assertEqual(len(json.loads(body)["result"]), 2)

    def test_a_missing_token_is_401(self):
        self.assertEqual(self.post({})[0], 401)

    def test_a_wrong_token_is_401(self):
        self.assertEqual(self.post({"Authorization": "Bearer " + "x" * 43})[0], 401)

    def test_a_foreign_origin_is_403(self):
        status, _ = self.post({"Authorization": "Bearer " + self.demo.ready["token"], "Origin": "http://evil.example"})
        self.assertEqual(status, 403)


class ExamplesTest(DemoTestCase):
    def check(self, args, env=None):
        r = run(args, env=env or self.demo.env(), timeout=120)
        self.assertEqual(r.returncode, 0, f"{args}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        self.assertIn("done", r.stdout.splitlines()[-1], r.stdout)
        return r

    def test_bash_send_message(self):
        r = self.check(["bash", str(EXAMPLES / "bash/send_message.sh")])
        self.assertIn("Telegram refused users.getUsers (exit 3)", r.stdout)

    def test_bash_send_message_with_arguments(self):
        env = dict(os.environ, TGD=TGD)
        env.pop("TGD_SOCKET", None)
        self.check(["bash", str(EXAMPLES / "bash/send_message.sh"), "--socket", self.demo.socket, "--session", "demo"],
                   env=env)

    def test_python_client(self):
        r = self.check([sys.executable, str(EXAMPLES / "python/tgd_client.py")])
        self.assertIn("# HTTP", r.stdout)

    def test_python_client_with_arguments(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("TGD")}
        self.check([sys.executable, str(EXAMPLES / "python/tgd_client.py"), "--socket", self.demo.socket,
                    "--http", self.demo.ready["http"], "--token", self.demo.ready["token"]], env=env)

    def test_node_websocket_client(self):
        node = shutil.which("node")
        if node is None:
            self.skipTest("node is not installed")
        probe = run([node, "--experimental-websocket", "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"])
        if probe.returncode != 0:
            self.skipTest(f"node lacks --experimental-websocket: {probe.stderr.strip()}")
        self.check([node, "--experimental-websocket", str(EXAMPLES / "node/ws_client.mjs"),
                    self.demo.ready["ws"], self.demo.ready["token"]])


class ConfigErrorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="tgd-cli-test-")
        self.addCleanup(self.tmp.cleanup)

    def config(self, text):
        path = Path(self.tmp.name) / "tgd.toml"
        path.write_text(text)
        path.chmod(0o600)
        return str(path)

    def refused(self, command, text, key, problem):
        path = self.config(text)
        r = run([TGD, command, "--config", path, "--state-dir", os.path.join(self.tmp.name, "state"),
                 "--runtime-dir", os.path.join(self.tmp.name, "run")])
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn(key, r.stderr)
        self.assertIn(problem, r.stderr)
        self.assertIn("tgd.toml:", r.stderr)

    def test_an_unknown_key(self):
        text = '[telegram]\napi_id = 1\napi_hahs = "0123456789abcdef0123456789abcdef"\n'
        for command in ("check-config", "run"):
            with self.subTest(command=command):
                self.refused(command, text, "telegram.api_hahs", "unknown key")

    def test_a_port_out_of_range(self):
        text = "[listen.tcp]\nenabled = true\nport = 70000\n"
        for command in ("check-config", "run"):
            with self.subTest(command=command):
                self.refused(command, text, "listen.tcp.port", "70000")

    def test_a_missing_config_file(self):
        r = run([TGD, "check-config", "--config", os.path.join(self.tmp.name, "absent.toml")])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("absent.toml", r.stderr)


class CustomNetworkCase(unittest.TestCase):
    """Base of the tests of `tgd run` against a tgd-testdc the test starts, configured by a TOML
    file: setUp starts the test DC and writes the config; start() runs a daemon until it serves."""

    def extra_testdc_flags(self):
        """More tgd-testdc flags (subclasses)."""
        return []

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="tgd-cli-test-")
        self.addCleanup(tmp.cleanup)
        self.tmp = Path(tmp.name)
        self.daemons = []
        with open(self.tmp / "testdc.log", "wb") as log:
            self.testdc = subprocess.Popen([TESTDC, "--port", "0", "--dcs", "2"] + self.extra_testdc_flags(),
                                           stdin=subprocess.DEVNULL,
                                           stdout=subprocess.PIPE, stderr=log)
        self.addCleanup(self.stop_testdc)
        line, _ = read_line(self.testdc, self.testdc.stdout, READY_TIMEOUT, self.tmp / "testdc.log")
        ready = json.loads(line)
        (self.tmp / "testdc.pem").write_text(ready["public_key_pem"])
        dcs = "".join(f'[[telegram.dc]]\nid = {d["id"]}\nhost = "{d["host"]}"\nport = {d["port"]}\n\n'
                      for d in ready["dcs"])
        self.socket = str(self.tmp / "run" / "tgd.sock")
        self.config = self.tmp / "tgd.toml"
        self.config.write_text(f"""# written by tgd_cli_test.py
[telegram]
network = "custom"
api_id = 1
api_hash = "0123456789abcdef0123456789abcdef"
public_key_file = "testdc.pem"

{dcs}[paths]
state_dir = "{self.tmp / 'state'}"
runtime_dir = "{self.tmp / 'run'}"

[[session]]
name = "main"
""")
        self.config.chmod(0o600)

    def stop_testdc(self):
        for daemon in self.daemons:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
        self.testdc.send_signal(signal.SIGTERM)
        try:
            self.testdc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.testdc.kill()
            self.testdc.wait()
        self.testdc.stdout.close()

    def start(self, name):
        log = open(self.tmp / f"{name}.log", "wb")
        self.addCleanup(log.close)
        daemon = subprocess.Popen([TGD, "run", "--config", str(self.config)], stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=subprocess.STDOUT)
        self.daemons.append(daemon)
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if daemon.poll() is not None:
                self.fail(f"tgd run exited with {daemon.returncode}:\n{self.log(name)}")
            if os.path.exists(self.socket):
                r = call(self.socket, "listSessions")
                if r.returncode == 0:
                    return daemon, json.loads(r.stdout)
            if time.monotonic() > deadline:
                self.fail(f"tgd run did not serve in {READY_TIMEOUT} s:\n{self.log(name)}")
            time.sleep(0.1)

    def log(self, name):
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self, daemon, name):
        daemon.send_signal(signal.SIGTERM)
        self.assertEqual(daemon.wait(timeout=60), 0, self.log(name))



class RunCustomNetworkTest(CustomNetworkCase):
    """`tgd run` against a tgd-testdc the test starts: login, restart, one daemon per state dir."""

    def test_login_restart_and_one_daemon_per_state_dir(self):
        r = run([TGD, "check-config", "--config", str(self.config)])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('network = "custom"', r.stdout)

        first, sessions = self.start("first")
        self.assertEqual([(s["name"], s["state"]) for s in sessions], [("main", "new")])

        # A second daemon on the same state directory is refused, naming the first one's pid.
        second = run([TGD, "run", "--config", str(self.config)])
        self.assertNotEqual(second.returncode, 0)
        self.assertIn(str(first.pid), second.stdout + second.stderr)
        self.assertIsNone(first.poll(), "the first daemon must keep running")

        # tgd login reads the bot token from stdin.
        r = run([TGD, "login", "--session", "main", "--socket", self.socket], input="4242:secret-token\n")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Phone number", r.stdout)
        self.assertIn("ready", r.stdout)
        r = call(self.socket, "getSelf", None, "--session", "main")
        self.assertEqual(r.returncode, 0, r.stderr)
        bot = json.loads(r.stdout)
        self.assertEqual(bot["id"], "4242")
        self.assertTrue(bot["bot"])
        self.stop(first, "first")
        self.assertFalse(os.path.exists(self.socket), "the socket file outlived the daemon")

        # A restart restores the session, logged in, without a new login.
        restarted, sessions = self.start("restarted")
        self.assertEqual([(s["name"], s["state"]) for s in sessions], [("main", "ready")])
        r = call(self.socket, "getSelf", None, "--session", "main")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["id"], "4242")
        self.stop(restarted, "restarted")


class StopWhileWaitingTest(CustomNetworkCase):
    """SIGTERM while the sessions' first calls wait on a DC that accepts and never answers."""

    def test_sigterm_while_a_dc_never_answers_exits_at_once(self):
        silent = socket.socket()
        self.addCleanup(silent.close)
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        # Every DC of the config is the silent listener: the handshake of the session's first call
        # (help.getConfig) waits for an answer that never comes.
        text = re.sub(r"port = \d+", f"port = {port}", self.config.read_text())
        self.config.write_text(text)
        daemon, _ = self.start("silent")
        time.sleep(1)  # the call is in flight
        began = time.monotonic()
        self.stop(daemon, "silent")
        took = time.monotonic() - began
        # Bounded by the daemon's 12 s hard stop anyway: well under it means nothing was left waiting.
        self.assertLess(took, 5, self.log("silent"))
        self.assertNotIn("exiting anyway", self.log("silent"))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    TGD, TESTDC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
