#!/usr/bin/env python3
"""End-to-end tests of tgd's file transfers through the real binaries: `tgd run` against a
separately started tgd-testdc whose control socket makes a third account send documents (read in
place from files this test writes), subscribers that receive them, and the file methods:
getDownloadInfo, downloadToDir / downloadToFile (whole, ranges, expired references, a connection
dropped mid-transfer, cancel), uploadFile and sending what was uploaded.

  tgd_files_test.py TGD TGD_TESTDC [TestClass[.test_method] ...]

Every download is compared with the source bytes (SHA-256); every failure is checked for its
precise error and for leaving nothing behind at the destination.
"""

import hashlib
import json
import os
import sys
import threading
import time
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tgd_cli_test as cli  # noqa: E402
import tgd_updates_test as upd  # noqa: E402

MiB = 1024 * 1024
DEADLINE = upd.DEADLINE


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MiB), b""):
            h.update(chunk)
    return h.hexdigest()


class FilesCase(upd.TwoAccountsCase):
    """The bot session "main" receives documents from SENDER; "alice" is a user session."""

    def setUp(self):
        super().setUp()
        self.files = self.tmp / "files"
        self.files.mkdir()
        self.out = self.tmp / "out"
        self.out.mkdir()
        self.events = self.unix()
        self.sub = self.events.subscribe(sessions=["main"], types=["updateNewMessage"])

    def make_file(self, name, size, seed=1):
        """A file of `size` pseudo-random bytes (every part differs, so misplaced parts show)."""
        path = self.files / name
        block = hashlib.sha256(f"{seed}".encode()).digest() * 2048  # 64 KiB
        with open(path, "wb") as f:
            left, counter = size, 0
            while left > 0:
                piece = bytes([counter & 0xFF]) + block[1:]
                f.write(piece[:left])
                left -= len(piece[:left])
                counter += 1
        return path

    def send_document(self, path, name=None, mime="application/octet-stream"):
        """SENDER sends the bot `path` as a document; returns the bot's update (updateNewMessage)."""
        before = len(self.events.updates(self.sub))
        self.control({"op": "send_document", "from": upd.SENDER, "to": upd.BOT_TOKEN, "path": str(path),
                      "name": name or path.name, "mime": mime})
        self.events.wait(lambda: len(self.events.updates(self.sub)) > before, "the document's update")
        return self.events.updates(self.sub)[before][2]

    def http_call(self, method, params):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ws_port}/rpc", method="POST",
            data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=DEADLINE) as response:
            return json.loads(response.read())

    def leftovers(self, directory):
        return sorted(p.name for p in Path(directory).iterdir() if p.name.startswith(".tgd-"))


class DownloadTest(FilesCase):
    def test_downloads_of_every_size_class_are_byte_exact_and_named_from_the_media(self):
        for size in (1, 512 * 1024, 10 * MiB - 1, 10 * MiB, 10 * MiB + 1, 3 * MiB + 12345, 100 * MiB):
            with self.subTest(size=size):
                src = self.make_file(f"doc-{size}.bin", size, seed=size)
                update = self.send_document(src, name="report.pdf", mime="application/pdf")
                info = self.rpc.call("getDownloadInfo", {"file": update})
                self.assertEqual((info["kind"], info["size"], info["file_name"], info["mime_type"]),
                                 ("document", size, "report.pdf", "application/pdf"), info)
                got = self.rpc.call("downloadToDir", {"session": "main", "file": update, "dir": str(self.out)},
                                    timeout=DEADLINE)
                self.assertEqual(got["bytes"], size)
                self.assertTrue(Path(got["path"]).parent == self.out, got)
                self.assertEqual(sha256(got["path"]), sha256(src))
                os.unlink(got["path"])
        self.assertEqual(self.leftovers(self.out), [])

    def test_download_to_dir_makes_names_unique_and_to_file_replaces(self):
        src = self.make_file("a.bin", 70000)
        update = self.send_document(src, name="same.txt")
        first = self.rpc.call("downloadToDir", {"file": update, "dir": str(self.out), "session": "main"})
        second = self.rpc.call("downloadToDir", {"file": update["message"], "dir": str(self.out), "session": "main"})
        self.assertEqual([Path(first["path"]).name, Path(second["path"]).name], ["same.txt", "same (1).txt"])
        target = self.out / "fixed.bin"
        target.write_bytes(b"old")
        got = self.rpc.call("downloadToFile", {"file": update["message"]["media"], "path": str(target),
                                                "session": "main"})
        self.assertEqual(got["path"], str(target))
        self.assertEqual(sha256(target), sha256(src))

    def test_ranges_are_the_exact_bytes_asked_for(self):
        src = self.make_file("r.bin", 5 * MiB + 777)
        update = self.send_document(src)
        data = src.read_bytes()
        for offset, length in ((0, 1), (4095, 2), (MiB - 3, 10), (1234567, 2 * MiB + 5), (5 * MiB, 777)):
            with self.subTest(offset=offset, length=length):
                target = self.out / f"range-{offset}-{length}"
                got = self.rpc.call("downloadToFile", {"file": update, "path": str(target), "offset": offset,
                                                        "length": length, "session": "main"})
                self.assertEqual(got["bytes"], length)
                self.assertEqual(target.read_bytes(), data[offset:offset + length])
        error = self.rpc.call_raw("downloadToFile", {"file": update, "path": str(self.out / "past"),
                                                      "offset": 6 * MiB, "session": "main"})["error"]
        self.assertEqual(error["code"], -32602, error)
        self.assertFalse((self.out / "past").exists())

    def test_a_bare_location_is_fetched_from_the_files_dc_after_file_migrate(self):
        src = self.make_file("m.bin", 30 * MiB + 1)
        update = self.send_document(src)
        info = self.rpc.call("getDownloadInfo", {"file": update})
        self.assertNotEqual(info["dc_id"], 1, "the test DC serves files from another DC than the bot's")
        # An InputFileLocation names no DC: the first request goes to the main DC, which answers
        # FILE_MIGRATE_X; tgd authorizes on DC X (export/import) and fetches every part there.
        got = self.rpc.call("downloadToFile", {"file": info["location"], "path": str(self.out / "m"),
                                                "session": "main"})
        self.assertEqual(sha256(got["path"]), sha256(src))
        methods = {m: c for s in self.rpc.call("status")["sessions"] if s["name"] == "main"
                   for m, c in s["methods"].items()}
        # Only the parts sent before the first answer came back were migrated; the rest went to DC X.
        self.assertGreaterEqual(methods["upload.getFile"]["migrations"], 1, methods["upload.getFile"])
        self.assertLessEqual(methods["upload.getFile"]["migrations"], 8, methods["upload.getFile"])

    def test_an_expired_reference_is_refreshed_from_the_message_and_the_download_completes(self):
        src = self.make_file("e.bin", 2 * MiB + 3)
        update = self.send_document(src)
        self.control({"op": "expire_file_references"})
        got = self.rpc.call("downloadToFile", {"file": update, "path": str(self.out / "e"), "session": "main"})
        self.assertEqual(sha256(got["path"]), sha256(src))
        # A bare Document carries no message to refresh from: the precise error, nothing left.
        self.control({"op": "expire_file_references"})
        error = self.rpc.call_raw("downloadToFile", {"file": update["message"]["media"]["document"],
                                                      "path": str(self.out / "e2"), "session": "main"})["error"]
        self.assertEqual((error["code"], error["message"].split(" ")[0]), (400, "FILE_REFERENCE_EXPIRED"), error)
        self.assertFalse((self.out / "e2").exists())
        self.assertEqual(self.leftovers(self.out), [])

    def test_an_expired_reference_of_a_channel_post_is_refreshed_through_channels_get_messages(self):
        created = self.rpc.call("channels.createChannel", {"session": "alice", "title": "Files", "about": "",
                                                             "broadcast": True})
        channel = next(c for c in created["chats"] if c["_"] == "channel")
        peer = {"_": "peerChannel", "channel_id": channel["id"]}
        src = self.make_file("post.bin", MiB + 17, seed=3)
        posted = self.rpc.call("messages.sendMedia", {
            "session": "alice", "peer": peer, "message": "a post",
            "media": {"_": "inputMediaUploadedDocument", "file": str(src), "mime_type": "x/y", "attributes": []}})
        self.control({"op": "expire_file_references"})
        got = self.rpc.call("downloadToFile", {"session": "alice", "file": posted, "path": str(self.out / "post")})
        self.assertEqual(sha256(got["path"]), sha256(src))
        methods = {m: c for s in self.rpc.call("status")["sessions"] if s["name"] == "alice"
                   for m, c in s["methods"].items()}
        self.assertEqual(methods["channels.getMessages"]["ok"], 1, methods.get("channels.getMessages"))
        counts = self.rpc.call("status")["transfers"]
        self.assertEqual((counts["reference_refreshes"], counts["uploads"], counts["bytes_downloaded"]),
                         (1, 1, MiB + 17), counts)

    def test_a_connection_dropped_mid_transfer_is_resumed_and_the_file_is_byte_exact(self):
        src = self.make_file("d.bin", 12 * MiB + 5)
        update = self.send_document(src)
        self.control({"op": "file_fault", "drop_after_parts": 4})
        got = self.rpc.call("downloadToFile", {"file": update, "path": str(self.out / "d"), "session": "main"})
        self.assertEqual(sha256(got["path"]), sha256(src))
        files = self.control({"op": "stats"})["files"]
        self.assertEqual(files["dropped_connections"], 1, files)  # the fault happened: the test means something
        self.assertGreater(files["bytes_served"], 12 * MiB, files)  # parts were asked again after it

    def test_cancel_leaves_nothing_and_the_call_answers_cancelled(self):
        src = self.make_file("c.bin", 20 * MiB)
        update = self.send_document(src)
        self.control({"op": "file_fault", "part_delay_ms": 200})
        c = self.unix()
        request = c.send("downloadToFile", {"file": update, "path": str(self.out / "c"), "progress": True,
                                            "session": "main"})
        c.wait(lambda: any(n.get("method") == "progress" for n in c.notifications), "a progress report")
        transfer = next(n for n in c.notifications if n.get("method") == "progress")["params"]["transfer"]
        self.assertEqual(self.rpc.call("cancelTransfer", {"transfer": transfer}), {"cancelled": transfer})
        answer = c.answer(request)
        self.assertEqual(answer["error"]["code"], -32003, answer)
        self.assertFalse((self.out / "c").exists())
        self.assertEqual(self.leftovers(self.out), [])
        counts = self.rpc.call("status")["transfers"]
        self.assertEqual((counts["active"], counts["cancelled"], counts["downloads"]), (0, 1, 1), counts)
        error = self.rpc.call_raw("cancelTransfer", {"transfer": transfer})["error"]
        self.assertEqual(error["code"], -32013, error)
        self.control({"op": "file_fault", "clear": True})

    def test_progress_reports_are_throttled_ordered_and_end_with_the_total(self):
        src = self.make_file("p.bin", 16 * MiB + 1)
        update = self.send_document(src)
        self.control({"op": "file_fault", "part_delay_ms": 60})  # ~1 s in all, with 8 parts in flight
        c = self.unix()
        started = time.monotonic()
        got = c.call("downloadToFile", {"file": update, "path": str(self.out / "p"), "progress": True,
                                        "session": "main"}, timeout=DEADLINE)
        elapsed = time.monotonic() - started
        reports = [n["params"] for n in c.notifications if n.get("method") == "progress"]
        self.assertGreaterEqual(len(reports), 3, reports)
        self.assertLessEqual(len(reports), elapsed * 4 + 3, f"more than ~4 reports a second: {reports}")
        self.assertEqual({r["transfer"] for r in reports}, {got["transfer"]})
        self.assertEqual((reports[0]["done"], reports[0]["total"]), (0, 16 * MiB + 1))
        self.assertEqual([r["done"] for r in reports], sorted(r["done"] for r in reports))
        self.assertEqual(reports[-1], {**reports[-1], "done": 16 * MiB + 1, "total": 16 * MiB + 1, "final": True})
        self.assertEqual([r["final"] for r in reports[:-1]], [False] * (len(reports) - 1))
        self.assertGreater(reports[-1]["rate"], 0)
        # Over HTTP nothing can be pushed: asking for progress there is a precise error.
        error = self.http_call("downloadToFile", {"file": update, "path": str(self.out / "h"), "progress": True,
                                                  "session": "main"})["error"]
        self.assertEqual(error["code"], -32010, error)

    def test_interactive_calls_are_answered_promptly_during_concurrent_downloads(self):
        sources = [self.make_file(f"big{i}.bin", 40 * MiB + i, seed=i) for i in range(3)]
        updates = [self.send_document(src) for src in sources]
        results = [{} for _ in sources]

        def download(i):
            c = self.unix()
            results[i].update(c.call("downloadToFile", {"file": updates[i], "path": str(self.out / f"big{i}"),
                                                        "session": "main"}, timeout=DEADLINE))

        workers = [threading.Thread(target=download, args=(i,), daemon=True) for i in range(len(sources))]
        for w in workers:
            w.start()
        probe = self.unix()
        latencies = []
        while any(w.is_alive() for w in workers) and len(latencies) < 300:
            started = time.monotonic()
            probe.call("help.getNearestDc", {"session": "main"})
            latencies.append(time.monotonic() - started)
            time.sleep(0.005)
        for w in workers:
            w.join(timeout=DEADLINE)
        for src, result in zip(sources, results):
            self.assertEqual(sha256(result["path"]), sha256(src))
        self.assertGreater(len(latencies), 5, "the downloads were too quick to probe")
        latencies.sort()
        # Generous for a loaded 2-core machine and sanitizers; bench_files measures the real figure.
        self.assertLess(latencies[len(latencies) // 2], 0.5, latencies)

    def test_bad_input_gets_precise_errors(self):
        error = self.rpc.call_raw("getDownloadInfo", {"file": {"_": "message", "id": 5, "message": "no media"}})["error"]
        self.assertEqual(error["code"], -32602, error)
        self.assertTrue(error["message"].startswith("params.file"), error)
        src = self.make_file("b.bin", 1000)
        update = self.send_document(src)
        error = self.rpc.call_raw("downloadToDir", {"file": update, "dir": str(self.out / "missing"),
                                                     "session": "main"})["error"]
        self.assertEqual((error["code"], error["data"]["kind"]), (-32011, "not_found"), error)
        error = self.rpc.call_raw("downloadToFile", {"file": update, "path": "relative/x", "session": "main"})["error"]
        self.assertEqual(error["code"], -32602, error)
        if os.geteuid() != 0:  # root writes anywhere
            locked = self.tmp / "locked"
            locked.mkdir(mode=0o500)
            error = self.rpc.call_raw("downloadToDir", {"file": update, "dir": str(locked), "session": "main"})["error"]
            self.assertEqual((error["code"], error["data"]["kind"]), (-32011, "permission_denied"), error)


class UploadTest(FilesCase):
    def test_uploads_of_every_size_class_arrive_byte_exact_and_an_empty_file_is_refused(self):
        for size in (1, 512 * 1024, 10 * MiB - 1, 10 * MiB, 10 * MiB + 1, 100 * MiB):
            with self.subTest(size=size):
                src = self.make_file(f"up-{size}.bin", size, seed=size + 7)
                up = self.rpc.call("uploadFile", {"session": "alice", "path": str(src)}, timeout=DEADLINE)
                self.assertEqual((up["bytes"], up["big"]), (size, size > 10 * MiB), up)
                self.assertEqual(up["file"]["_"], "inputFileBig" if size > 10 * MiB else "inputFile")
                sent = self.rpc.call("messages.sendMedia", {
                    "session": "alice", "peer": f"@{upd.BOT_USERNAME}", "message": "",
                    "media": {"_": "inputMediaUploadedDocument", "file": up["file"],
                              "mime_type": "application/octet-stream",
                              "attributes": [{"_": "documentAttributeFilename", "file_name": src.name}]}})
                got = self.rpc.call("downloadToDir", {"session": "alice", "file": sent, "dir": str(self.out)},
                                    timeout=DEADLINE)
                self.assertEqual(Path(got["path"]).name, src.name)
                self.assertEqual(sha256(got["path"]), sha256(src))
        empty = self.files / "empty"
        empty.write_bytes(b"")
        error = self.rpc.call_raw("uploadFile", {"session": "alice", "path": str(empty)})["error"]
        self.assertEqual((error["code"], error["data"]["kind"]), (-32011, "empty"), error)
        error = self.rpc.call_raw("uploadFile", {"session": "alice", "path": str(self.files / "nope")})["error"]
        self.assertEqual((error["code"], error["data"]["kind"]), (-32011, "not_found"), error)

    def test_an_upload_whose_connection_drops_mid_way_completes_byte_exact(self):
        src = self.make_file("drop-up.bin", 15 * MiB + 3, seed=5)
        self.control({"op": "file_fault", "drop_after_saves": 5})
        up = self.rpc.call("uploadFile", {"session": "alice", "path": str(src)}, timeout=DEADLINE)
        files = self.control({"op": "stats"})["files"]
        self.assertEqual(files["dropped_connections"], 1, files)  # the fault happened
        sent = self.rpc.call("messages.sendMedia", {
            "session": "alice", "peer": "me", "message": "",
            "media": {"_": "inputMediaUploadedDocument", "file": up["file"], "mime_type": "x/y", "attributes": []}})
        got = self.rpc.call("downloadToFile", {"session": "alice", "file": sent, "path": str(self.out / "dropped")})
        self.assertEqual(sha256(got["path"]), sha256(src))

    def test_send_media_uploads_a_path_on_the_fly_and_resends_media_from_an_update_without_uploading(self):
        src = self.make_file("photo-ish.bin", 3 * MiB + 5, seed=99)
        sent = self.rpc.call("messages.sendMedia", {
            "session": "alice", "peer": f"@{upd.BOT_USERNAME}", "message": "from a path",
            "media": {"_": "inputMediaUploadedDocument", "file": str(src), "mime_type": "application/pdf",
                      "attributes": [{"_": "documentAttributeFilename", "file_name": "paper.pdf"}]}},
            timeout=DEADLINE)
        got = self.rpc.call("downloadToDir", {"session": "alice", "file": sent, "dir": str(self.out)})
        self.assertEqual(Path(got["path"]).name, "paper.pdf")
        self.assertEqual(sha256(got["path"]), sha256(src))
        # The bot got it (an update); it sends the same file on to Alice, by the update alone.
        self.events.wait(lambda: any(u.get("message", {}).get("message") == "from a path"
                                     for _, _, u in self.events.updates(self.sub)), "the bot's copy")
        update = next(u for _, _, u in self.events.updates(self.sub) if u["message"].get("message") == "from a path")
        saved_before = self.control({"op": "stats"})["files"]["parts_saved"]
        resent = self.rpc.call("messages.sendMedia", {"session": "main", "peer": {"_": "peerUser",
                                                                                    "user_id": str(self.alice_id)},
                                                       "message": "again", "media": update})
        self.assertEqual(self.control({"op": "stats"})["files"]["parts_saved"], saved_before, "it was uploaded again")
        again = self.rpc.call("downloadToFile", {"session": "main", "file": resent, "path": str(self.out / "again")})
        self.assertEqual(sha256(again["path"]), sha256(src))
        # Precise errors: no media in the object; a relative path; a missing file.
        error = self.rpc.call_raw("messages.sendMedia", {"session": "main", "peer": "me", "message": "",
                                                          "media": {"_": "message", "id": 1, "message": "text"}})["error"]
        self.assertEqual(error["code"], -32602, error)
        self.assertTrue(error["message"].startswith("params.media"), error)
        for path, kind in (("relative.bin", None), (str(self.files / "missing.bin"), "not_found")):
            error = self.rpc.call_raw("messages.sendMedia", {
                "session": "alice", "peer": "me", "message": "",
                "media": {"_": "inputMediaUploadedDocument", "file": path, "mime_type": "x/y", "attributes": []}})["error"]
            self.assertTrue(error["message"].startswith("params.media.file: "), error)
            if kind:
                self.assertEqual((error["code"], error["data"]["kind"]), (-32011, kind), error)
            else:
                self.assertEqual(error["code"], -32602, error)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cli.TGD, cli.TESTDC = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
