#!/usr/bin/python3
"""Telethon (an independent MTProto client) talks to the local test DC.

Usage: telethon_interop.py TGD_TESTDC_BINARY
Starts tgd-testdc and points Telethon's low-level sender at DC 2 with the test DC's public key, over
four transports. Telethon runs its handshake (1.25 uses the legacy RSA scheme with p_q_inner_data),
then calls invokeWithLayer(its layer, initConnection(help.getNearestDc)) in an encrypted session.
Checks the answer and that the test DC logged the same auth key ids. Exit 0 on success; 77
(skipped) if Telethon is not installed.
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
    from telethon.tl.alltlobjects import LAYER
    from telethon.tl.functions import InitConnectionRequest, InvokeWithLayerRequest
    from telethon.tl.functions.help import GetNearestDcRequest
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
    query = InvokeWithLayerRequest(LAYER, InitConnectionRequest(
        api_id=1, device_model="interop", system_version="test", app_version="1.0", system_lang_code="en",
        lang_pack="", lang_code="en", query=GetNearestDcRequest()))
    nearest = await asyncio.wait_for(sender.send(query), timeout=10)
    await sender.disconnect()
    if nearest.this_dc != 2:
        raise SystemExit(f"help.getNearestDc answered this_dc={nearest.this_dc}, expected 2")
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
            print(f"{cls.__name__}: auth key {key_id & 0xffffffffffffffff:016x}, help.getNearestDc answered")
    finally:
        server.terminate()
        _, log = server.communicate(timeout=10)
    missing = [i for i in ids if f"auth key {i:016x} created" not in log]
    if missing:
        print("test DC log lacks keys", [f"{i:016x}" for i in missing])
        print(log)
        sys.exit(1)
    print(f"{len(ids)} transports: Telethon created auth keys and called help.getNearestDc")


if __name__ == "__main__":
    main()
