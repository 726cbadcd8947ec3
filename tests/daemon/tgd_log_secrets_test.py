#!/usr/bin/env python3
"""End-to-end test that tgd's logs never hold a secret, through the real binaries: `tgd run` against
a tgd-testdc the test starts, logging at trace level (every JSON-RPC request and answer, every
Telegram call and answer) into a file, as text and as JSON lines. The test logs in a user by phone,
code and 2FA password (a wrong password first), a bot by token, calls over HTTP with the bearer
token (as a header and in the query) and with wrong ones, changes the log level with setLogLevel,
then reads every log (tgd's file, its stdout/stderr, the test DC's) and fails if any secret appears
verbatim: the phone number's digits, the login code, both passwords, the bot token, the bearer
token, the api_hash, or any auth key tgd stored (hex or base64). The masked forms must be there,
which shows the lines that would have leaked were written.

  tgd_log_secrets_test.py TGD TGD_TESTDC [TestClass[.test_method] ...]

Standard library only.
"""

import base64
import json
import os
import re
import sqlite3
import sys
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tgd_cli_test as cli  # noqa: E402  (shared helpers: run, read_line, CustomNetworkCase)
from tgd_updates_test import ControlledNetworkCase, JsonLines  # noqa: E402

PHONE = "9996621234"  # a test DC user on DC 2; its login code is 22222
PHONE_MASKED = "+99******34"
CODE = "22222"
PASSWORD = "Corr3ct-H0rse-2fa"
WRONG_PASSWORD = "Wr0ng-Battery-2fa"
BOT_TOKEN = "4242:AAEs3cr3tB0tT0kenXyz"
BOT_MASKED = "4242:***"
API_HASH = "0123456789abcdef0123456789abcdef"  # tgd_cli_test.CustomNetworkCase's config
WRONG_TOKEN = "wr0ng-bearer-t0ken-0123456789abcdef"


class LogSecretsCase(ControlledNetworkCase):
    """One daemon run with log.level trace and log.format `style`, the logins and calls, then the
    logs searched."""

    style = None  # "text" or "json"

    def setUp(self):
        super().setUp()
        self.log_file = self.tmp / "logs" / "tgd.log"
        with open(self.config, "a") as config:
            config.write(f"""
[listen.tcp]
enabled = true
port = 0

[log]
level = "trace"
format = "{self.style}"
file = "{self.log_file}"
""")

    def rpc(self, client, method, params):
        answer = client.request({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        self.assertIsNotNone(answer, f"{method}: tgd closed the connection")
        return answer

    def result(self, client, method, params):
        answer = self.rpc(client, method, params)
        self.assertIn("result", answer, f"{method}: {answer}")
        return answer["result"]

    def http(self, port, method, token=None, query_token=None):
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = f"http://127.0.0.1:{port}/rpc" + (f"?token={query_token}" if query_token is not None else "")
        body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": method, "params": {}}).encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, None

    def wait_for_port(self):
        deadline = time.monotonic() + cli.READY_TIMEOUT
        while True:
            text = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
            match = re.search(r"http/ws on 127\.0\.0\.1:(\d+)", text)
            if match:
                return int(match.group(1))
            if time.monotonic() > deadline:
                self.fail(f"no listening port in the log:\n{text[-3000:]}")
            time.sleep(0.05)

    def messages(self, raw):
        """The log file's messages: as written (text), or each JSON line's "msg" (every line must be
        one JSON object)."""
        if self.style == "text":
            return raw
        out = []
        for line in raw.splitlines():
            entry = json.loads(line)
            self.assertEqual(set(entry), {"time", "level", "msg"}, line)
            out.append(entry["msg"])
        return "\n".join(out)

    def auth_keys(self):
        """Every auth key tgd stored (read after it stopped)."""
        db = sqlite3.connect(self.tmp / "state" / "tgd.db")
        try:
            return [bytes(row[0]) for row in db.execute("SELECT key FROM auth_keys")]
        finally:
            db.close()

    def test_trace_logs_hold_masked_forms_and_no_secret(self):
        daemon, sessions = self.start("tgd")
        self.assertEqual([s["name"] for s in sessions], ["main"])
        port = self.wait_for_port()
        bearer = (self.tmp / "state" / "token").read_text().strip()
        self.control({"op": "set_password", "account": PHONE, "password": PASSWORD})

        client = JsonLines(self.socket, timeout=120)
        self.addCleanup(client.close)
        # The level in use, and setLogLevel there and back (the answer names the previous one).
        self.assertEqual(self.result(client, "status", {})["log_level"], "trace")
        self.assertEqual(self.result(client, "setLogLevel", {"level": "debug"}), {"level": "debug", "previous": "trace"})
        bad = self.rpc(client, "setLogLevel", {"level": "loud"})
        self.assertEqual(bad["error"]["code"], -32602, bad)
        self.assertIn("trace, debug, info, warn, error, critical, off", bad["error"]["message"])
        self.assertEqual(self.result(client, "setLogLevel", {"level": "trace"}), {"level": "trace", "previous": "debug"})

        # A user: phone, code, a wrong 2FA password, the right one.
        self.result(client, "addSession", {"name": "alice"})
        self.assertEqual(self.result(client, "phoneLogin", {"session": "alice", "phone": "+" + PHONE})["state"],
                         "waiting_code")
        self.assertEqual(self.result(client, "completePhoneLogin", {"session": "alice", "code": CODE})["state"],
                         "waiting_password")
        wrong = self.rpc(client, "complete2faLogin", {"session": "alice", "password": WRONG_PASSWORD})
        self.assertIn("PASSWORD_HASH_INVALID", json.dumps(wrong))
        self.assertEqual(self.result(client, "complete2faLogin", {"session": "alice", "password": PASSWORD})["state"],
                         "ready")
        self.assertEqual(self.result(client, "getSelf", {"session": "alice"})["phone"], PHONE)
        # A bot.
        self.assertEqual(self.result(client, "botLogin", {"session": "main", "token": BOT_TOKEN})["state"], "ready")

        # HTTP: the bearer token as a header and in the query; wrong ones refused.
        status, answer = self.http(port, "listSessions", token=bearer)
        self.assertEqual(status, 200)
        self.assertEqual(sorted(s["state"] for s in answer["result"]), ["ready", "ready"])
        self.assertEqual(self.http(port, "status", query_token=bearer)[0], 200)
        self.assertEqual(self.http(port, "listSessions", token=WRONG_TOKEN)[0], 401)
        self.assertEqual(self.http(port, "listSessions", query_token=WRONG_TOKEN)[0], 401)
        client.close()
        self.stop(daemon, "tgd")

        raw = self.log_file.read_text(errors="replace")
        text = self.messages(raw)
        # The lines that would have leaked were written, masked.
        def field(name, value):  # "name":"value" as tgd writes it, or as the client sent it
            return rf'"{name}":\s*"{re.escape(value)}"'

        for expected in [
            "request phoneLogin", "request completePhoneLogin", "request complete2faLogin", "request botLogin",
            r"call auth\.sendCode", r"call auth\.signIn", r"call account\.getPassword", r"call auth\.checkPassword",
            r"call auth\.importBotAuthorization", r"answer to users\.getUsers",
            field("phone", PHONE_MASKED), field("phone_number", PHONE_MASKED), field("phone_code", "***"),
            field("code", "***"), field("password", "***"), field("api_hash", "***"),
            field("bot_auth_token", BOT_MASKED), field("token", BOT_MASKED),
            re.escape(f"a login code was sent to {PHONE_MASKED}"),
            re.escape(f"logging in with the bot token {BOT_MASKED}"), "PASSWORD_HASH_INVALID",
            "refused with 401", r"log level debug \(was trace\), set by setLogLevel",
        ]:
            self.assertRegex(text, expected, f"not in the {self.style} log")

        # No secret anywhere: tgd's log file, its stdout/stderr, the test DC's log.
        keys = self.auth_keys()
        self.assertGreaterEqual(len(keys), 2, "no auth keys stored")
        secrets = {
            "the phone number": PHONE, "the 2FA password": PASSWORD, "the wrong 2FA password": WRONG_PASSWORD,
            "the bot token": BOT_TOKEN, "the bot token's secret": BOT_TOKEN.split(":", 1)[1],
            "the bearer token": bearer, "the wrong bearer token": WRONG_TOKEN, "the api_hash": API_HASH,
        }
        for i, key in enumerate(keys):
            secrets[f"auth key {i} (hex)"] = key.hex()
            secrets[f"auth key {i} (HEX)"] = key.hex().upper()
            secrets[f"auth key {i} (base64)"] = base64.b64encode(key).decode()
            secrets[f"auth key {i} (base64url)"] = base64.urlsafe_b64encode(key).decode().rstrip("=")
            for offset in range(0, len(key), 16):  # a part of one, as a hex dump would show it
                secrets[f"auth key {i} bytes {offset}..{offset + 15} (hex)"] = key[offset:offset + 16].hex()
        logs = {
            "tgd's log file": raw, "tgd's log file (messages)": text,
            "tgd's stdout/stderr": (self.tmp / "tgd.log").read_text(errors="replace"),
            "the test DC's log": (self.tmp / "testdc.log").read_text(errors="replace"),
        }
        for where, content in logs.items():
            for what, secret in secrets.items():
                self.assertNotIn(secret, content, f"{what} in {where}")
            # The code, as a number of its own (not part of a longer one).
            self.assertIsNone(re.search(rf"(?<![0-9]){CODE}(?![0-9])", content), f"the login code in {where}")


class TextLogSecretsTest(LogSecretsCase):
    style = "text"


class JsonLogSecretsTest(LogSecretsCase):
    style = "json"


del LogSecretsCase  # the base runs only through its two styles

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cli.TGD, cli.TESTDC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
