"""Prints a PNG's width, height and share of non-white pixels: `png_stats.py FILE` -> `1024 1600 0.0831`.

Standard library only (zlib), for 8-bit RGB/RGBA non-interlaced PNGs as headless Chromium writes them.
"""
import struct
import sys
import zlib


def main(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("not a PNG")
    offset, idat = 8, b""
    width = height = depth = color = interlace = None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    if depth != 8 or color not in (2, 6) or interlace != 0:
        raise SystemExit(f"unsupported PNG: depth {depth} color {color} interlace {interlace}")
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    inked = 0
    position = 0
    for _ in range(height):
        kind = raw[position]
        line = bytearray(raw[position + 1:position + 1 + stride])
        position += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + predictor) & 0xFF
        for i in range(0, stride, channels):
            if line[i] < 245 or line[i + 1] < 245 or line[i + 2] < 245:
                inked += 1
        previous = line
    print(width, height, f"{inked / (width * height):.4f}")


if __name__ == "__main__":
    main(sys.argv[1])
