#!/usr/bin/env python3
"""Seeds the fuzz corpora from the public test data in ../shared/corpora, so that a short run
(CI gives each target 15 s) starts from real messages instead of an empty corpus:

- llhttp's request and response cases (test/{request,response}/*.md, the ```http blocks,
  converted as llhttp's md-test does: newlines become CRLF, escapes replaced) for the HTTP/1.1
  head and differential targets;
- hpack-test-case's header blocks (each story's "wire" hex, in order) for the HPACK decode
  target.

Usage: seed.py CORPORA_DIR FUZZ_CORPUS_DIR. Seeds are named by their content's hash, so a run
that is repeated adds nothing twice; a missing corpora directory seeds nothing (and says so).
"""

import hashlib
import json
import pathlib
import re
import sys


def convert(raw: str) -> bytes:
    """llhttp's md-test input conversion (as proto-h1/tests/llhttp.rs does it)."""
    s = raw[:-1] if raw.endswith("\n") else raw
    s = s.replace("\\\r\n", "").replace("\\\n", "")
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    out = bytearray()
    i = 0
    simple = {"r": 13, "n": 10, "t": 9, "f": 12}
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            c = s[i + 1]
            if c in simple:
                out.append(simple[c])
                i += 2
                continue
            if c == "x":
                m = re.match(r"[0-9a-fA-F]+", s[i + 2 :])
                if m:
                    out.append(int(m.group(0), 16) & 0xFF)
                    i += 2 + len(m.group(0))
                    continue
            if c in "01234567":
                m = re.match(r"[0-7]{1,3}", s[i + 1 :])
                out.append(int(m.group(0), 8) & 0xFF)
                i += 1 + len(m.group(0))
                continue
        out.extend(s[i].encode())
        i += 1
    return bytes(out)


def write(corpus: pathlib.Path, target: str, data: bytes) -> int:
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    f = d / ("seed-" + hashlib.sha1(data).hexdigest())
    if f.exists():
        return 0
    f.write_bytes(data)
    return 1


def main() -> None:
    corpora, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    if not corpora.is_dir():
        print(f"seed: no {corpora}, corpora not seeded")
        return
    counts = {}
    fence = re.compile(r"```http\n(.*?)```", re.S)
    # (kind, target, prefix): h1_response_head reads its options from a first byte (0: strict,
    # a GET's response).
    for kind, target, prefix in (
        ("request", "h1_request_head", b""),
        ("request", "h1_diff_httparse", b""),
        ("response", "h1_response_head", b"\x00"),
    ):
        for md in sorted((corpora / "llhttp/test" / kind).glob("*.md")):
            for block in fence.findall(md.read_text(encoding="utf-8")):
                data = prefix + convert(block)
                counts[target] = counts.get(target, 0) + write(corpus, target, data)
    # h2_hpack_decode's input: the table size and the header list limit (two octets each),
    # then blocks, each after its length octet. One seed per story, its blocks in order (the
    # later ones index the dynamic table the earlier ones filled), up to the first block longer
    # than 255 octets.
    for story in sorted((corpora / "hpack-test-case").glob("*/story_*.json")):
        data = bytearray(b"\x10\x00\xff\xff")
        for case in json.loads(story.read_text(encoding="utf-8")).get("cases", []):
            wire = bytes.fromhex(case.get("wire", ""))
            if len(wire) > 255:
                break
            data.append(len(wire))
            data.extend(wire)
        if len(data) > 4:
            counts["h2_hpack_decode"] = counts.get("h2_hpack_decode", 0) + write(
                corpus, "h2_hpack_decode", bytes(data)
            )
    print("seed: " + ", ".join(f"{t} +{n}" for t, n in sorted(counts.items())))


if __name__ == "__main__":
    main()
