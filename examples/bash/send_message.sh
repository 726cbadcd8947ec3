#!/usr/bin/env bash
# send_message.sh — tgd from bash with `tgd call`: who am I (getSelf), send a message to myself
# (messages.sendMessage to "me", i.e. Saved Messages), read it back (messages.getHistory), and
# handle an error Telegram returns by `tgd call`'s exit status.
#
# Run it against the demo (`tools/demo --serve` in another terminal prints its ready line):
#
#   TGD_SOCKET=/tmp/tgd-demo-…/run/tgd.sock examples/bash/send_message.sh
#   examples/bash/send_message.sh --socket /tmp/tgd-demo-…/run/tgd.sock --session demo
#
# The socket comes from --socket, else $TGD_SOCKET (else tgd's own default: the config file's
# listen.unix.path). The session from --session, else $TGD_SESSION, else "demo". The tgd binary is
# $TGD, else `tgd` on PATH (e.g. TGD=build/release/daemon/tgd). Needs python3 to read JSON (jq-free).
#
# `tgd call METHOD '{params}'` prints the result JSON on stdout; its exit status says what happened:
# 0 success, 2 an error from tgd (bad params, unknown session...), 3 an error from Telegram
# (USER_ID_INVALID, FLOOD_WAIT_30...), 4 tgd could not be reached. The error text goes to stderr.
set -euo pipefail

tgd=${TGD:-tgd}
session=${TGD_SESSION:-demo}
while [[ $# -gt 0 ]]; do
  case $1 in
    --socket) export TGD_SOCKET=$2; shift 2 ;;
    --session) session=$2; shift 2 ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if ! command -v "$tgd" >/dev/null; then
  echo "tgd not found: set TGD=/path/to/tgd or put tgd on PATH" >&2
  exit 2
fi

# json EXPR JSON: evaluates a Python expression over the parsed JSON `d` (no jq needed).
json() { python3 -c 'import json, sys; d = json.loads(sys.argv[2]); print(eval(sys.argv[1]))' "$1" "$2"; }

# 1. Who am I? getSelf is one of tgd's own methods; --session adds "session" to the params.
self=$("$tgd" call getSelf --session "$session")
echo "session $session is $(json '(d.get("first_name") or d.get("username") or "") + " (id " + str(d["id"]) + ")"' "$self")"

# 2. Send a message to myself. "me" is a peer reference tgd resolves; random_id is filled in by tgd.
#    The params are built with python3 so that any text is quoted correctly.
text="Hello from send_message.sh at $(date '+%H:%M:%S') (pid $$)"
params=$(python3 -c 'import json, sys; print(json.dumps({"peer": "me", "message": sys.argv[1]}))' "$text")
sent=$("$tgd" call messages.sendMessage "$params" --session "$session")
echo "sent: $(json 'd["_"] + " id " + str(d.get("id", "?"))' "$sent")"

# 3. Read it back: messages.getHistory takes all of its fields (hash is a long: a string).
history=$("$tgd" call messages.getHistory --session "$session" \
  '{"peer":"me","offset_id":0,"offset_date":0,"add_offset":0,"limit":1,"max_id":0,"min_id":0,"hash":"0"}')
last=$(json 'd["messages"][0].get("message", "")' "$history")
echo "last message in Saved Messages: $last"
if [[ $last != "$text" ]]; then
  echo "expected to read back: $text" >&2
  exit 1
fi

# 4. An error from Telegram: users.getUsers with a user id and access hash that don't exist. With
#    `set -e`, capture the status with `|| status=$?` instead of letting the script stop.
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
status=0
"$tgd" call users.getUsers --session "$session" \
  '{"id":[{"_":"inputUser","user_id":"42","access_hash":"1"}]}' >/dev/null 2>"$errors" || status=$?
error=$(cat "$errors")
case $status in
  0) echo "users.getUsers unexpectedly succeeded" >&2; exit 1 ;;
  3) echo "Telegram refused users.getUsers (exit 3): $error" ;;
  2) echo "tgd refused users.getUsers (exit 2): $error" >&2; exit 1 ;;
  4) echo "tgd is not reachable (exit 4): $error" >&2; exit 1 ;;
  *) echo "tgd call failed with exit status $status: $error" >&2; exit 1 ;;
esac
echo "done"
