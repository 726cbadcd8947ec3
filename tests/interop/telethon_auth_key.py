#!/usr/bin/python3
"""Telethon (an independent MTProto client) creates an auth key with the local test DC.

Usage: telethon_auth_key.py TGD_TESTDC_BINARY
Starts tgd-testdc, points Telethon's low-level sender at DC 2 with the test DC's public key, lets
it run its handshake (Telethon 1.25 uses the legacy RSA scheme with p_q_inner_data), and checks the
test DC logged the same auth key id. Exit 0 on success; 77 (skipped) if Telethon is not installed.
"""
import asyncio
import collections
import json
import logging
import subprocess
import sys

try:
    from telethon.crypto import rsa
    from telethon.network import MTProtoSender, ConnectionTcpFull, ConnectionTcpAbridged, \
        ConnectionTcpIntermediate, ConnectionTcpObfuscated
except ImportError:
    print("skipped: python3-telethon is not installed")
    sys.exit(77)


async def create_key(host, port, connection_class):
    # Telethon's internals look their loggers up by module name.
    loggers = collections.defaultdict(lambda: logging.getLogger("telethon"))
    sender = MTProtoSender(None, loggers=loggers, retries=1, auto_reconnect=False)
    connection = connection_class(host, port, dc_id=2, loggers=loggers)
    await sender.connect(connection)
    key_id = sender.auth_key.key_id
    await sender.disconnect()
    return key_id


def main():
    server = subprocess.Popen([sys.argv[1], "--dcs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        ready = json.loads(server.stdout.readline())
        rsa.add_key(ready["public_key_pem"], old=False)
        dc2 = next(d for d in ready["dcs"] if d["id"] == 2)
        ids = []
        for cls in (ConnectionTcpFull, ConnectionTcpAbridged, ConnectionTcpIntermediate, ConnectionTcpObfuscated):
            key_id = asyncio.run(create_key(dc2["host"], dc2["port"], cls))
            ids.append(key_id & 0xffffffffffffffff)
            print(f"{cls.__name__}: auth key {key_id & 0xffffffffffffffff:016x}")
    finally:
        server.terminate()
        _, log = server.communicate(timeout=10)
    missing = [i for i in ids if f"auth key {i:016x} created" not in log]
    if missing:
        print("test DC log lacks keys", [f"{i:016x}" for i in missing])
        print(log)
        sys.exit(1)
    print(f"{len(ids)} auth keys created by Telethon and confirmed by the test DC")


if __name__ == "__main__":
    main()
