#!/usr/bin/env python3
"""Counts pixels of given colours in a PNG, with the standard library only (zlib), so the review test can
check that headless Chromium really drew the charts. Usage: png_colours.py FILE.png RRGGBB [RRGGBB ...]
Prints JSON: {"width": W, "height": H, "ink": pixels not near the page background, "colours": {hex: count}}."""
import json
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path} is not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            if depth != 8 or colour_type not in (2, 6) or interlace:
                raise SystemExit(f"unsupported PNG: depth {depth}, colour type {colour_type}, interlace {interlace}")
            channels = 4 if colour_type == 6 else 3
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, i = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = previous[x]
            c = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    path, wanted = sys.argv[1], [w.lower().lstrip("#") for w in sys.argv[2:]]
    width, height, channels, rows = read_png(path)
    targets = {w: tuple(int(w[k:k + 2], 16) for k in (0, 2, 4)) for w in wanted}
    counts = {w: 0 for w in wanted}
    ink = 0
    for row in rows:
        for x in range(0, len(row), channels):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if r < 240 or g < 240 or b < 240:
                ink += 1
            for name, (tr, tg, tb) in targets.items():
                if abs(r - tr) <= 6 and abs(g - tg) <= 6 and abs(b - tb) <= 6:
                    counts[name] += 1
    print(json.dumps({"width": width, "height": height, "ink": ink, "colours": counts}))


main()
