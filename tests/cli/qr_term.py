#!/usr/bin/env python3
"""Shows text the way a terminal would, as a picture: for reading a QR code that
wgf printed in UTF-8 half blocks back with zbarimg (tests/cli/qr.sh).

usage: qr_term.py dark|light TEXTFILE OUT.pgm

Each character cell is 1 pixel-module wide and 2 high (8 x 16 pixels): a half
block (U+2580 upper, U+2584 lower, U+2588 full) is drawn in the current
foreground, the rest of the cell and a space in the current background. SGR
escapes set them (0 reset, 30-37/90-97 foreground, 40-47/100-107 background);
otherwise they are the theme's: dark (light grey on near black) or light (near
black on white). The terminal's own background surrounds the text by 10 module
widths on every side, so a code without its own quiet zone does not read. Any
other character or escape is an error (exit 2): the renderer must print only
these.
"""
import re
import sys

THEMES = {"dark": (0xD0, 0x18), "light": (0x20, 0xF8)}   # (foreground, background)
# the 16 colours as grey levels: black, red, green, yellow, blue, magenta, cyan, white
BASE = [0x00, 0x4C, 0x96, 0xB2, 0x1D, 0x69, 0xB3, 0xC0]
BRIGHT = [0x80, 0x7F, 0xC8, 0xF0, 0x5C, 0x9F, 0xE6, 0xFF]
CELLS = {" ": (0, 0), "\u2580": (1, 0), "\u2584": (0, 1), "\u2588": (1, 1)}
PX = 8          # pixels per module
BORDER = 10     # modules of terminal background around the text


def sgr(params, fg, bg, theme):
    for p in (params.split(";") if params else ["0"]):
        n = int(p or "0")
        if n == 0:
            fg, bg = theme
        elif 30 <= n <= 37:
            fg = BASE[n - 30]
        elif 90 <= n <= 97:
            fg = BRIGHT[n - 90]
        elif 40 <= n <= 47:
            bg = BASE[n - 40]
        elif 100 <= n <= 107:
            bg = BRIGHT[n - 100]
        elif n == 1:
            pass
        else:
            sys.exit("qr_term: unknown SGR %d" % n)
    return fg, bg


def cells(text, theme):
    """Rows of (top grey, bottom grey) cells."""
    fg, bg = theme
    rows = []
    for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
        row, i = [], 0
        while i < len(line):
            m = re.match(r"\x1b\[([0-9;]*)m", line[i:])
            if m:
                fg, bg = sgr(m.group(1), fg, bg, theme)
                i += m.end()
                continue
            if line[i] not in CELLS:
                print("qr_term: unexpected character %r in line %d" % (line[i], len(rows) + 1), file=sys.stderr)
                sys.exit(2)
            top, bottom = CELLS[line[i]]
            row.append((fg if top else bg, fg if bottom else bg))
            i += 1
        rows.append(row)
    return rows


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in THEMES:
        sys.exit(__doc__)
    theme = THEMES[sys.argv[1]]
    rows = cells(open(sys.argv[2], encoding="utf-8").read(), theme)
    width = max((len(r) for r in rows), default=0) + 2 * BORDER
    height = 2 * len(rows) + 2 * BORDER
    img = bytearray([theme[1]]) * (width * PX * height * PX)
    for y, row in enumerate(rows):
        for x, (top, bottom) in enumerate(row):
            for half, grey in ((0, top), (1, bottom)):
                py0 = (BORDER + 2 * y + half) * PX
                px0 = (BORDER + x) * PX
                for py in range(py0, py0 + PX):
                    img[py * width * PX + px0:py * width * PX + px0 + PX] = bytes([grey]) * PX
    with open(sys.argv[3], "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (width * PX, height * PX))
        f.write(img)


main()
