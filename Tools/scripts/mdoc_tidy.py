#!/usr/bin/env python3
"""Tidies the mdoc page swift-argument-parser's generate-manual writes, so that `mandoc -Tlint -W warning`
reports nothing: drops a .Pp right before .It, turns blank lines into .sp, and starts each sentence of running
text on its own line (mdoc's rule; a sentence end mid-line is what mandoc calls "new sentence, new line").
Usage: mdoc_tidy.py FILE (rewritten in place)."""
import re, sys

path = sys.argv[1]
lines = open(path, encoding="utf-8").read().split("\n")
out = []
for index, line in enumerate(lines):
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if line == ".Pp" and following.startswith(".It"):
        continue
    if line == "" and index != len(lines) - 1:
        out.append(".sp")
        continue
    if line and not line.startswith(".") and not line.startswith("\\"):
        for piece in re.split(r"(?<=[.?!])\s+(?=[A-Z(`'\"$])", line):
            # A line starting with ' or . would be a roff request; \& makes it text.
            out.append("\\&" + piece if piece[:1] in ("'", ".") else piece)
        continue
    out.append(line)
open(path, "w", encoding="utf-8").write("\n".join(out))
