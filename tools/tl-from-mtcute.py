#!/usr/bin/env python3
"""Convert the npm package @mtcute/tl into canonical TL text.

Writes protocol/tl/schema/api.tl and protocol/tl/schema/mtproto.tl. The rules are in
docs/schema-source.md; this file only implements them.

    tools/tl-from-mtcute.py                       # npm pack the pinned version, convert, write
    tools/tl-from-mtcute.py --package-dir DIR     # use an unpacked package (DIR/api-schema.json ...)
    tools/tl-from-mtcute.py --tarball FILE.tgz    # use a tarball made by `npm pack`
    tools/tl-from-mtcute.py --check               # write nothing; exit 1 if the committed files differ
    tools/tl-from-mtcute.py --verify              # also recompute every id as CRC32 and print counts

Output conventions (besides plain TL):
  //@class T @description ...   type description, just before the first constructor of T
  //@description ...            entry description
  //@<arg> ...                  argument description; an argument named `description` is written
                                as //@param_description (as in tdlib's td_api.tl) so that it cannot
                                be mistaken for the entry description. One field per line; the text
                                runs to the end of the line and may contain HTML and `@`.
  //@special <declaration>      a declaration without a constructor id (MTProto `message`), kept in
                                a comment so that ordinary TL parsers skip it
"""

import argparse
import difflib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zlib
from pathlib import Path

PACKAGE = "@mtcute/tl@223.0.0"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "protocol" / "tl" / "schema"
FUNCTIONS_SEPARATOR = "---functions---"

# mtcute strips these from api-schema.json because every TL implementation knows them.
API_BUILTINS = [
    "boolFalse#bc799737 = Bool",
    "boolTrue#997275b5 = Bool",
    "true#3fedd339 = True",
    "vector#1cb5c415 {t:Type} # [ t ] = Vector t",
    "null#56730bcc = Null",
]

# mtp-schema.json marks every entry `class`; these are the MTProto functions.
MTP_FUNCTIONS = {
    "req_pq", "req_pq_multi", "req_DH_params", "set_client_DH_params", "rpc_drop_answer",
    "get_future_salts", "ping", "ping_delay_disconnect", "destroy_session", "destroy_auth_key",
}

# Service objects mtcute parses by hand (or has dropped as deprecated); added when missing.
MTP_ADDED_CONSTRUCTORS = [
    "rpc_result#f35c6d01 req_msg_id:long result:Object = RpcResult",
    "msg_container#73f1f8dc messages:vector<%Message> = MessageContainer",
    "message msg_id:long seqno:int bytes:int body:Object = Message",  # no id: //@special
    "msg_copy#e06046b2 orig_message:Message = MessageCopy",
    "gzip_packed#3072cfa1 packed_data:bytes = Object",
    "p_q_inner_data#83c95aec pq:bytes p:bytes q:bytes nonce:int128 server_nonce:int128"
    " new_nonce:int256 = P_Q_inner_data",
    "p_q_inner_data_temp#3c6a84d4 pq:bytes p:bytes q:bytes nonce:int128 server_nonce:int128"
    " new_nonce:int256 expires_in:int = P_Q_inner_data",
    "server_DH_params_fail#79cb045d nonce:int128 server_nonce:int128"
    " new_nonce_hash:int128 = Server_DH_Params",
]
MTP_ADDED_FUNCTIONS = [
    "req_pq#60469778 nonce:int128 = ResPQ",
]

# Ids that are not the CRC32 of their declaration, each with the source text that does give the id.
KNOWN_ID_EXCEPTIONS = {
    "inputPeerPhotoFileLocationLegacy": ("renamed after the id was assigned",
                                         lambda norm: norm.replace("Legacy", "", 1)),
    "inputStickerSetThumbLegacy": ("renamed after the id was assigned",
                                   lambda norm: norm.replace("Legacy", "", 1)),
    "msg_container": ("id is the CRC of the older form `messages:vector<message>`",
                      lambda norm: norm.replace("%Message", "message")),
}

# Anything else in the JSON is new to this tool and must be looked at before it is converted.
KNOWN_ENTRY_KEYS = {"kind", "name", "id", "type", "arguments", "comment", "generics",
                    "typeModifiers", "available", "throws"}
KNOWN_ARG_MODIFIERS = {"predicate", "isVector", "isBareVector", "isBareUnion", "isBareType",
                       "constructorId"}
KNOWN_ENTRY_MODIFIERS = {"isVector", "constructorId"}


# ---------------------------------------------------------------- reading the package

def read_tarball(path):
    """The three files we need, read straight from the tarball (nothing is extracted to disk)."""
    with tarfile.open(path, "r:gz") as tar:
        return {name: tar.extractfile(f"package/{name}").read()
                for name in ("package.json", "api-schema.json", "mtp-schema.json")}


def read_package_dir(path):
    return {name: (Path(path) / name).read_bytes()
            for name in ("package.json", "api-schema.json", "mtp-schema.json")}


# Exit status that CTest reads as "skipped": the check needs the npm registry.
SKIP_EXIT = 77


def npm_pack(skip_if_offline):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            out = subprocess.run(["npm", "pack", "--silent", PACKAGE], cwd=tmp, check=True,
                                 capture_output=True, text=True, timeout=300).stdout
        except (OSError, subprocess.SubprocessError) as e:
            if skip_if_offline:
                print(f"skipped: cannot fetch {PACKAGE} with npm ({e})")
                sys.exit(SKIP_EXIT)
            raise
        return read_tarball(Path(tmp) / out.strip().splitlines()[-1])


def load_package(args):
    if args.package_dir:
        files = read_package_dir(args.package_dir)
    elif args.tarball:
        files = read_tarball(args.tarball)
    else:
        files = npm_pack(args.skip_if_offline)
    return {name: json.loads(data) for name, data in files.items()}


# ---------------------------------------------------------------- JSON entry -> TL text

def clean_comment(text):
    """Documentation goes on one line: collapse all whitespace runs (newlines included)."""
    return " ".join(text.split())


def strip_mt(name):
    """mtp-schema.json prefixes MTProto names with `mt_` to keep them apart from API names."""
    return name[3:] if name.startswith("mt_") else name


def check_keys(what, keys, known):
    unknown = set(keys) - known
    if unknown:
        sys.exit(f"error: {what}: unknown keys {sorted(unknown)}; update the converter")


def arg_type(entry_name, arg):
    mods = arg.get("typeModifiers", {})
    check_keys(f"{entry_name}.{arg['name']}", mods, KNOWN_ARG_MODIFIERS)
    t = strip_mt(arg["type"])
    if t == "int53":  # mtcute's marker for "a long that fits a JS number"
        t = "long"
    if mods.get("isBareUnion"):
        t = "%" + t
    if mods.get("isVector"):
        t = f"Vector<{t}>"
    elif mods.get("isBareVector"):
        t = f"vector<{t}>"
    if "predicate" in mods:
        t = f"{mods['predicate']}?{t}"
    return t


def declaration(entry):
    """`name#id {X:Type} arg:type ... = Result` (without the trailing `;`)."""
    name = strip_mt(entry["name"])
    check_keys(name, entry, KNOWN_ENTRY_KEYS)
    mods = entry.get("typeModifiers", {})
    check_keys(name, mods, KNOWN_ENTRY_MODIFIERS)
    result = strip_mt(entry["type"])
    if mods.get("isVector"):
        if entry["kind"] != "method":
            sys.exit(f"error: {name}: a constructor cannot have a vector type")
        result = f"Vector<{result}>"
    parts = [f"{name}#{entry['id']:x}"]
    parts += [f"{{{g['name']}:{g['type']}}}" for g in entry.get("generics", [])]
    parts += [f"{a['name']}:{arg_type(name, a)}" for a in entry["arguments"]]
    parts += ["=", result]
    return " ".join(parts)


def doc_lines(entry):
    lines = []
    if clean_comment(entry.get("comment", "")):
        lines.append(f"//@description {clean_comment(entry['comment'])}")
    for arg in entry["arguments"]:
        text = clean_comment(arg.get("comment", ""))
        if text:
            key = "param_description" if arg["name"] == "description" else arg["name"]
            lines.append(f"//@{key} {text}")
    return lines


def block(entry, type_docs=None, seen_types=None):
    """The lines for one entry: type description (once per type), docs, declaration."""
    lines = []
    result = entry["type"]
    if type_docs is not None and result not in seen_types:
        seen_types.add(result)
        if clean_comment(type_docs.get(result, "")):
            lines.append(f"//@class {result} @description {clean_comment(type_docs[result])}")
    return lines + doc_lines(entry) + [declaration(entry) + ";"]


def plain_block(decl):
    """An added declaration; one without an id goes into a //@special comment."""
    has_id = "#" in decl.split(" ", 1)[0]
    return [decl + ";" if has_id else f"//@special {decl};"]


def render(header, constructors, functions):
    """Blocks separated by one blank line; every block is a list of lines."""
    out = list(header) + [""]
    for blk in constructors:
        out += blk + [""]
    out += [FUNCTIONS_SEPARATOR, ""]
    for blk in functions:
        out += blk + [""]
    return "\n".join(out[:-1]) + "\n"


def header(package_json, layer=None):
    lines = [f"// Generated by tools/tl-from-mtcute.py from "
             f"{package_json['name']}@{package_json['version']}. Do not edit."]
    if layer is not None:
        lines.append(f"// LAYER {layer}")
    return lines


def build_api(package_json, schema):
    entries = [e for e in schema["e"] if not e["name"].startswith("mtcute.")]
    seen_types = set()
    constructors = [["// Built-in types that mtcute leaves out, added back by the converter."]]
    constructors += [[decl + ";"] for decl in API_BUILTINS]
    constructors += [block(e, schema["u"], seen_types) for e in entries if e["kind"] == "class"]
    functions = [block(e) for e in entries if e["kind"] == "method"]
    return render(header(package_json, schema["l"]), constructors, functions)


def build_mtproto(package_json, entries):
    def is_function(e):
        return strip_mt(e["name"]) in MTP_FUNCTIONS

    present = {strip_mt(e["name"]) for e in entries}

    def missing(decls):
        return [d for d in decls if re.split(r"[# ]", d, 1)[0] not in present]

    constructors = [block(e) for e in entries if not is_function(e)]
    functions = [block(e) for e in entries if is_function(e)]
    added = missing(MTP_ADDED_CONSTRUCTORS)
    if added:
        constructors.append(["// Service objects that mtcute parses by hand, added back by the"
                             " converter."])
        constructors += [plain_block(d) for d in added]
    functions += [plain_block(d) for d in missing(MTP_ADDED_FUNCTIONS)]
    return render(header(package_json), constructors, functions)


# ---------------------------------------------------------------- verifying ids

def normalize(decl):
    """The text whose CRC32 is the constructor id (docs/schema-source.md, "Verifying ids")."""
    name, _, rest = decl.rstrip(";").partition(" ")
    tokens = [name.split("#")[0]]
    in_result = False
    for tok in rest.split():
        in_result = in_result or tok == "="
        if not in_result:
            if re.fullmatch(r"[^:]+:flags\d*\.\d+\?true", tok):
                continue
            tok = re.sub(r"^([^:]+:(?:flags\d*\.\d+\?)?)bytes$", r"\1string", tok)
        tokens.append(tok)
    text = " ".join(tokens).replace("{", "").replace("}", "")
    text = text.replace("<", " ").replace(">", "")
    return " ".join(text.split())


def parse_declarations(text):
    """(section, declaration) for every TL line; //@special lines are counted apart."""
    section = "constructors"
    for line in text.splitlines():
        if line == FUNCTIONS_SEPARATOR:
            section = "functions"
        elif line.startswith("//@special "):
            yield "special", line[len("//@special "):]
        elif line and not line.startswith("//"):
            yield section, line


def verify(label, text):
    """Print counts and id mismatches; return the number of unexplained mismatches."""
    counts = {"constructors": 0, "functions": 0, "special": 0}
    types, names, ids = set(), {}, {}
    unexplained = 0
    for section, decl in parse_declarations(text):
        counts[section] += 1
        head = decl.split(" ", 1)[0]
        name = head.split("#")[0]
        if section == "constructors":
            types.add(decl.rstrip(";").split(" = ", 1)[1])
        for seen, key in ((names, name), (ids, head.partition("#")[2])):
            if key and key in seen:
                print(f"  {label}: duplicate {key!r}: {seen[key]} and {decl}")
                unexplained += 1
            seen[key] = decl
        if section == "special":
            continue
        want = int(head.split("#")[1], 16)
        norm = normalize(decl)
        if zlib.crc32(norm.encode()) == want:
            continue
        reason, source = KNOWN_ID_EXCEPTIONS.get(name, (None, None))
        if reason and zlib.crc32(source(norm).encode()) == want:
            print(f"  {label}: known exception {head}: {reason}")
        else:
            print(f"  {label}: ID MISMATCH {head}: crc32({norm!r}) = "
                  f"{zlib.crc32(norm.encode()):x}")
            unexplained += 1
    print(f"{label}: {counts['constructors']} constructors, {counts['functions']} functions, "
          f"{counts['special']} special (id-less) declarations, {len(types)} types; "
          f"{unexplained} unexplained problems")
    return unexplained


# ---------------------------------------------------------------- writing / checking

def check(out_dir, outputs):
    """True if every committed file equals what would be generated; prints a diff summary."""
    ok = True
    for name, text in outputs.items():
        path = out_dir / name
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old == text:
            continue
        ok = False
        diff = list(difflib.unified_diff(old.splitlines(), text.splitlines(),
                                         f"{path} (committed)", f"{path} (generated)",
                                         lineterm="", n=0))
        body = [d for d in diff if d[:3] not in ("+++", "---")]
        removed = sum(d.startswith("-") for d in body)
        added = sum(d.startswith("+") for d in body)
        print(f"{path}: differs (-{removed} +{added} lines); first differences:")
        print("\n".join(diff[:20]))
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--package-dir", help="an unpacked package (the `package/` directory)")
    source.add_argument("--tarball", help="a tarball made by `npm pack`")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the files in --out-dir differ")
    parser.add_argument("--verify", action="store_true",
                        help="recompute every id as CRC32 and print counts")
    parser.add_argument("--skip-if-offline", action="store_true",
                        help=f"exit {SKIP_EXIT} (skipped) instead of failing when npm cannot fetch the package")
    args = parser.parse_args()

    package = load_package(args)
    outputs = {
        "api.tl": build_api(package["package.json"], package["api-schema.json"]),
        "mtproto.tl": build_mtproto(package["package.json"], package["mtp-schema.json"]),
    }
    if args.verify and sum(verify(name, text) for name, text in outputs.items()):
        sys.exit(1)
    if args.check:
        if not check(args.out_dir, outputs):
            sys.exit(1)
        print(f"{args.out_dir}: up to date")
        return
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in outputs.items():
        (args.out_dir / name).write_bytes(text.encode("utf-8"))
        print(f"wrote {args.out_dir / name}")


if __name__ == "__main__":
    main()
