#!/usr/bin/env python3
"""End-to-end tests of tgd's MadelineProto-style helpers through the real binaries: `tgd run` against
a separately started tgd-testdc, with a bot session ("main") and a user session ("alice") as in
tgd_updates_test.py, and the test DC's control socket making other accounts send.

  tgd_helpers_test.py TGD TGD_TESTDC [TestClass[.test_method] ...]

getFullInfo for users, self, channels and basic chats; getDialogs / getDialogIds over 150 dialogs
(two pages and more); getHistory over 250 messages, newest first and reversed, with offsets,
min_id / max_id and next_offset_id; sendMessage answering the sent message object for private chats
(updateShortSentMessage) and channels (updateMessageID + updateNewChannelMessage). Pages are counted
with `status`'s per-method counters; results are checked exactly (ids, texts, order).
"""

import json
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tgd_cli_test as cli  # noqa: E402
import tgd_updates_test as upd  # noqa: E402

BOT_ID = upd.BOT_ID
BOT_USERNAME = upd.BOT_USERNAME
PAGES = 60  # seconds for a call that reads several pages (a loaded machine, ASan)
CHANNEL_BASE = 1_000_000_000_000  # a channel's Bot-API id is -(CHANNEL_BASE + id)


class HelpersCase(upd.TwoAccountsCase):
    def call(self, method, params):
        return self.rpc.call(method, params, timeout=PAGES)

    def error(self, method, params):
        answer = self.rpc.call_raw(method, params, timeout=PAGES)
        self.assertIn("error", answer, f"{method} {params} -> {answer}")
        return answer["error"]

    def assert_error(self, method, params, code, message=None):
        error = self.error(method, params)
        self.assertEqual(error["code"], code, error)
        if message is not None:
            self.assertEqual(error["message"], message, error)
        return error

    def tl_calls(self, session, method):
        """How many times `session` called the TL method (status' per-method counters)."""
        for s in self.rpc.call("status")["sessions"]:
            if s["name"] == session:
                return s["methods"].get(method, {}).get("calls", 0)
        self.fail(f"no session {session} in status")

    def create_channel(self, title, broadcast):
        """Alice creates a channel; returns its channel object."""
        kind = {"broadcast": True} if broadcast else {"megagroup": True}
        created = self.call("channels.createChannel",
                            {"session": "alice", "title": title, "about": f"about {title}", **kind})
        self.assertEqual(len(created["chats"]), 1, created)
        return created["chats"][0]


class FullInfoTest(HelpersCase):
    def test_full_info_of_a_user_self_a_channel_and_a_basic_chat_by_the_peer_kind(self):
        # A user (the bot, by username): users.getFullUser.
        info = self.call("getFullInfo", {"session": "alice", "peer": f"@{BOT_USERNAME}"})
        self.assertEqual(sorted(info), ["bot_api_id", "chats", "full", "kind", "object", "users"])
        self.assertEqual((info["bot_api_id"], info["kind"]), (BOT_ID, "user"))
        self.assertEqual((info["full"]["_"], info["full"]["id"]), ("userFull", str(BOT_ID)))
        self.assertEqual(info["full"]["about"], "A bot of the local test DC")
        self.assertEqual((info["object"]["_"], info["object"]["id"], info["object"]["username"]),
                         ("user", str(BOT_ID), BOT_USERNAME))
        self.assertEqual([u["id"] for u in info["users"]], [str(BOT_ID)])
        self.assertEqual(self.tl_calls("alice", "users.getFullUser"), 1)

        # Self, from each session: the full object's id names it.
        me = self.call("getFullInfo", {"session": "alice", "peer": "me"})
        self.assertEqual((me["bot_api_id"], me["kind"], me["full"]["id"]), (self.alice_id, "user", str(self.alice_id)))
        self.assertTrue(me["object"]["self"])
        bot = self.call("getFullInfo", {"session": "main", "peer": "me"})
        self.assertEqual((bot["bot_api_id"], bot["object"]["bot"]), (BOT_ID, True))

        # A channel (by its Bot-API id, known from createChannel's answer): channels.getFullChannel.
        channel = self.create_channel("Helpers group", broadcast=False)
        channel_api_id = -(CHANNEL_BASE + int(channel["id"]))
        info = self.call("getFullInfo", {"session": "alice", "peer": channel_api_id})
        self.assertEqual((info["bot_api_id"], info["kind"]), (channel_api_id, "channel"))
        self.assertEqual(info["full"]["_"], "channelFull")
        self.assertEqual((info["full"]["id"], info["full"]["about"], info["full"]["participants_count"]),
                         (channel["id"], "about Helpers group", 1))
        self.assertEqual((info["object"]["_"], info["object"]["title"]), ("channel", "Helpers group"))
        self.assertEqual([c["id"] for c in info["chats"]], [channel["id"]])
        self.assertEqual(self.tl_calls("alice", "channels.getFullChannel"), 1)

        # A basic chat goes to messages.getFullChat (the test DC has none: Telegram's error, typed).
        error = self.assert_error("getFullInfo", {"session": "alice", "peer": -123}, 400, "CHAT_ID_INVALID")
        self.assertEqual(error["data"]["method"], "messages.getFullChat")
        self.assertTrue(error["data"]["telegram"])

        # A peer that resolves to nothing, a session that does not exist, a missing peer.
        self.assert_error("getFullInfo", {"session": "alice", "peer": "@nobody_is_called_so"}, -32007)
        self.assert_error("getFullInfo", {"session": "nobody", "peer": "me"}, -32000)
        self.assert_error("getFullInfo", {"session": "alice"}, -32602)


class DialogsTest(HelpersCase):
    def test_dialogs_are_paged_for_the_caller_each_once_newest_first_within_the_limit(self):
        count = 150
        control = upd.JsonLines(self.control_path, timeout=60)
        self.addCleanup(control.close)
        senders = []
        for i in range(count):
            answer = control.request({"op": "send_message", "from": f"99966{11000 + i}", "to": upd.ALICE_PHONE,
                                      "text": f"hi {i}"})
            self.assertTrue(answer and answer.get("ok"), answer)
            senders.append(answer["from"])
        newest_first = list(reversed(senders))

        before = self.tl_calls("alice", "messages.getDialogs")
        dialogs = self.call("getDialogs", {"session": "alice"})
        self.assertEqual(self.tl_calls("alice", "messages.getDialogs") - before, 2, "150 dialogs: two pages")
        self.assertEqual(sorted(dialogs), ["chats", "complete", "count", "dialogs", "users"])
        self.assertEqual((dialogs["count"], dialogs["complete"]), (count, True))
        entries = dialogs["dialogs"]
        self.assertEqual([d["bot_api_id"] for d in entries], newest_first)
        for d in entries:
            i = senders.index(d["bot_api_id"])
            self.assertEqual(d["kind"], "user")
            self.assertEqual(d["dialog"]["_"], "dialog")
            self.assertEqual(d["dialog"]["peer"], {"_": "peerUser", "user_id": str(d["bot_api_id"])})
            self.assertEqual(d["message"]["id"], d["dialog"]["top_message"])
            self.assertEqual(d["message"]["message"], f"hi {i}")
            self.assertEqual(d["object"]["id"], str(d["bot_api_id"]))
            self.assertEqual(d["name"], d["object"]["first_name"])
        self.assertEqual(sorted(int(u["id"]) for u in dialogs["users"]), sorted(senders))
        self.assertEqual(dialogs["chats"], [])

        # The ids alone, the same order; limits cut within and across pages.
        self.assertEqual(self.call("getDialogIds", {"session": "alice"}), newest_first)
        before = self.tl_calls("alice", "messages.getDialogs")
        self.assertEqual(self.call("getDialogIds", {"session": "alice", "limit": 101}), newest_first[:101])
        self.assertEqual(self.tl_calls("alice", "messages.getDialogs") - before, 2, "101: a page and one more")
        cut = self.call("getDialogs", {"session": "alice", "limit": 120})
        self.assertEqual([d["bot_api_id"] for d in cut["dialogs"]], newest_first[:120])
        self.assertFalse(cut["complete"])
        self.assertEqual(self.call("getDialogIds", {"session": "alice", "limit": 7}), newest_first[:7])
        self.assertEqual(self.call("getDialogIds", {"session": "alice", "exclude_pinned": True}), newest_first)
        archive = self.call("getDialogs", {"session": "alice", "folder_id": 1})
        self.assertEqual((archive["dialogs"], archive["complete"]), ([], True))

        # A new message moves its dialog to the top; a new chat is one more dialog.
        control.request({"op": "send_message", "from": senders[0], "to": upd.ALICE_PHONE, "text": "again"})
        control.request({"op": "send_message", "from": "9996611999", "to": upd.ALICE_PHONE, "text": "new"})
        ids = self.call("getDialogIds", {"session": "alice"})
        self.assertEqual(len(ids), count + 1)
        self.assertEqual(ids[1:], [senders[0]] + [s for s in newest_first if s != senders[0]])

        # Bad limits; a bot may not list dialogs (Telegram's error, typed); an unknown session.
        for limit in (0, 10001, 1.5, -3):
            self.assert_error("getDialogs", {"session": "alice", "limit": limit}, -32602)
        self.assert_error("getDialogIds", {"session": "alice", "folder_id": -1}, -32602)
        error = self.assert_error("getDialogs", {"session": "main"}, 400, "BOT_METHOD_INVALID")
        self.assertEqual(error["data"]["method"], "messages.getDialogs")
        self.assert_error("getDialogIds", {"session": "nobody"}, -32000)


class HistoryTest(HelpersCase):
    def test_history_is_paged_for_the_caller_both_ways_with_offsets_min_max_and_a_limit(self):
        count = 250
        flood = self.control({"op": "flood", "from": upd.SENDER, "to": upd.ALICE_PHONE, "count": count, "rate": 0,
                              "batch": 1, "text": "h"})
        self.assertEqual(flood["sent"], count)
        # getDialogIds feeds the peer cache: the sender's Bot-API id works as a reference after it.
        self.assertEqual(self.call("getDialogIds", {"session": "alice"}), [self.sender_id])
        peer = self.sender_id

        def history(**params):
            return self.call("getHistory", {"session": "alice", "peer": peer, **params})

        def texts(result):
            return [m["message"] for m in result["messages"]]

        def h(*numbers):
            return [f"h {i}" for i in numbers]

        before = self.tl_calls("alice", "messages.getHistory")
        everything = history(limit=1000)
        self.assertEqual(self.tl_calls("alice", "messages.getHistory") - before, 3, "250 messages: three pages")
        self.assertEqual(sorted(everything), ["chats", "count", "messages", "next_offset_id", "users"])
        self.assertEqual(texts(everything), h(*range(count, 0, -1)))
        self.assertEqual((everything["count"], everything["next_offset_id"]), (count, None))
        self.assertEqual(sorted(int(u["id"]) for u in everything["users"]), sorted([self.sender_id, self.alice_id]))
        self.assertEqual(everything["chats"], [])
        ids = {m["message"]: m["id"] for m in everything["messages"]}
        message_ids = [m["id"] for m in everything["messages"]]
        self.assertEqual(message_ids, sorted(message_ids, reverse=True))
        for m in everything["messages"]:
            self.assertEqual((m["_"], m["peer_id"]), ("message", {"_": "peerUser", "user_id": str(self.sender_id)}))

        # The default: the newest 100, and where to go on from.
        newest = history()
        self.assertEqual(texts(newest), h(*range(250, 150, -1)))
        self.assertEqual(newest["next_offset_id"], ids["h 151"])
        rest = history(offset_id=newest["next_offset_id"], limit=1000)
        self.assertEqual(texts(rest), h(*range(150, 0, -1)))
        self.assertIsNone(rest["next_offset_id"])
        # Cut by the limit exactly at the end: the next call finds nothing more.
        exact = history(limit=count)
        self.assertEqual(texts(exact), texts(everything))
        self.assertEqual(exact["next_offset_id"], ids["h 1"])
        after = history(offset_id=exact["next_offset_id"])
        self.assertEqual((after["messages"], after["next_offset_id"]), ([], None))

        # Oldest first, in two calls.
        oldest = history(reverse=True, limit=150)
        self.assertEqual(texts(oldest), h(*range(1, 151)))
        self.assertEqual(oldest["next_offset_id"], ids["h 150"])
        newer = history(reverse=True, offset_id=oldest["next_offset_id"], limit=1000)
        self.assertEqual(texts(newer), h(*range(151, 251)))
        self.assertIsNone(newer["next_offset_id"])
        self.assertEqual(texts(history(reverse=True, limit=1000)), h(*range(1, 251)))

        # An offset, and min_id / max_id across pages, both ways.
        self.assertEqual(texts(history(offset_id=ids["h 200"], limit=5)), h(199, 198, 197, 196, 195))
        self.assertEqual(texts(history(reverse=True, offset_id=ids["h 200"], limit=3)), h(201, 202, 203))
        window = {"min_id": ids["h 10"], "max_id": ids["h 220"]}
        self.assertEqual(texts(history(limit=1000, **window)), h(*range(219, 10, -1)))
        self.assertEqual(texts(history(limit=1000, reverse=True, **window)), h(*range(11, 220)))
        part = history(limit=5, **window)
        self.assertEqual((texts(part), part["next_offset_id"]), (h(219, 218, 217, 216, 215), ids["h 215"]))
        part = history(limit=5, reverse=True, **window)
        self.assertEqual((texts(part), part["next_offset_id"]), (h(11, 12, 13, 14, 15), ids["h 15"]))
        self.assertEqual(texts(history(limit=1000, min_id=ids["h 245"])), h(250, 249, 248, 247, 246))
        self.assertEqual(texts(history(limit=1000, reverse=True, max_id=ids["h 4"])), h(1, 2, 3))

        # Bad params; an unknown peer; a bot may not read history (Telegram's error, typed).
        for bad in ({"limit": 0}, {"limit": 10001}, {"offset_id": -1}, {"min_id": 2.5}):
            self.assert_error("getHistory", {"session": "alice", "peer": peer, **bad}, -32602)
        self.assert_error("getHistory", {"session": "alice", "peer": "@nobody_is_called_so"}, -32007)
        error = self.assert_error("getHistory", {"session": "main", "peer": "me"}, 400, "BOT_METHOD_INVALID")
        self.assertEqual(error["data"]["method"], "messages.getHistory")


class SendMessageTest(HelpersCase):
    def test_send_message_answers_the_sent_message_object_in_private_chats_and_channels(self):
        bold = [{"_": "messageEntityBold", "offset": 0, "length": 4},
                {"_": "messageEntityItalic", "offset": 9, "length": 6}]
        # A private chat: updateShortSentMessage, made into the message with what was sent.
        sent = self.call("sendMessage", {"session": "alice", "peer": f"@{BOT_USERNAME}",
                                         "message": "<b>bold</b> and <i>italic</i>", "parse_mode": "HTML"})
        self.assertEqual(sent["_"], "message")
        self.assertTrue(sent["out"])
        self.assertEqual(sent["peer_id"], {"_": "peerUser", "user_id": str(BOT_ID)})
        self.assertEqual((sent["message"], sent["entities"]), ("bold and italic", bold))
        self.assertNotIn("from_id", sent)
        stored = self.call("getHistory", {"session": "alice", "peer": f"@{BOT_USERNAME}", "limit": 1})["messages"][0]
        self.assertEqual((stored["id"], stored["date"], stored["message"], stored["entities"]),
                         (sent["id"], sent["date"], sent["message"], sent["entities"]))

        reply = self.call("sendMessage", {"session": "alice", "peer": BOT_ID, "message": "a reply",
                                          "reply_to": sent["id"], "silent": True})
        self.assertEqual(reply["id"], sent["id"] + 1)
        self.assertEqual(reply["reply_to"], {"_": "messageReplyHeader", "reply_to_msg_id": sent["id"]})
        self.assertTrue(reply["silent"])
        self.assertNotIn("entities", reply)
        given = self.call("sendMessage", {"session": "alice", "peer": BOT_ID, "message": "hi",
                                          "entities": [{"_": "messageEntityBold", "offset": 0, "length": 2}],
                                          "reply_to": {"_": "inputReplyToMessage", "reply_to_msg_id": sent["id"]}})
        self.assertEqual(given["entities"], [{"_": "messageEntityBold", "offset": 0, "length": 2}])
        self.assertEqual(given["reply_to"]["reply_to_msg_id"], sent["id"])
        saved = self.call("sendMessage", {"session": "alice", "peer": "me", "message": "a note"})
        self.assertEqual(saved["peer_id"], {"_": "peerUser", "user_id": str(self.alice_id)})

        # A channel: the updateNewChannelMessage whose id updateMessageID gives for the random_id.
        channel = self.create_channel("Helpers channel", broadcast=True)
        channel_api_id = -(CHANNEL_BASE + int(channel["id"]))
        post = self.call("sendMessage", {"session": "alice", "peer": channel_api_id, "message": "<i>post</i>",
                                         "parse_mode": "HTML"})
        self.assertEqual((post["_"], post["id"], post["message"]), ("message", 2, "post"))
        self.assertEqual(post["peer_id"], {"_": "peerChannel", "channel_id": channel["id"]})
        self.assertTrue(post["out"])
        self.assertTrue(post["post"])
        italic = [{"_": "messageEntityItalic", "offset": 0, "length": 4}]
        self.assertEqual(post["entities"], italic)
        history = self.call("getHistory", {"session": "alice", "peer": channel_api_id})
        self.assertEqual([m["id"] for m in history["messages"]], [2, 1])
        self.assertEqual(history["messages"][0], post)
        self.assertEqual(history["chats"][0]["id"], channel["id"])

        # Errors: bad markup and markup with entities (-32602), a bad reply_to, an unknown peer,
        # Telegram's refusal (typed); none of them sends anything.
        last = self.call("getHistory", {"session": "alice", "peer": BOT_ID, "limit": 1})["messages"]
        error = self.assert_error("sendMessage", {"session": "alice", "peer": BOT_ID, "message": "<b>oops",
                                                  "parse_mode": "HTML"}, -32602)
        self.assertTrue(error["message"].startswith("params.message: bad HTML at byte "), error)
        self.assert_error("sendMessage", {"session": "alice", "peer": BOT_ID, "message": "<b>x</b>",
                                          "parse_mode": "HTML", "entities": []}, -32602)
        for bad in ("first", 0, [1]):
            self.assert_error("sendMessage", {"session": "alice", "peer": BOT_ID, "message": "x", "reply_to": bad},
                              -32602)
        self.assert_error("sendMessage", {"session": "alice", "peer": "@nobody_is_called_so", "message": "x"}, -32007)
        error = self.assert_error("sendMessage", {"session": "alice", "peer": BOT_ID, "message": " "}, 400,
                                  "MESSAGE_EMPTY")
        self.assertEqual(error["data"]["method"], "messages.sendMessage")
        self.assertEqual(self.call("getHistory", {"session": "alice", "peer": BOT_ID, "limit": 1})["messages"], last)
        self.assert_error("sendMessage", {"session": "nobody", "peer": "me", "message": "x"}, -32000)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cli.TGD, cli.TESTDC = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
