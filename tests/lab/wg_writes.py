#!/usr/bin/env python3
"""What a traced process told WireGuard, from `strace -xx -s 100000` output.

Prints "SETS PEERS": configuration writes (a UAPI `set=1` request to wireguard-go,
or a WG_CMD_SET_DEVICE generic netlink message to the kernel) and the distinct
peers they carried. Usage: wg_writes.py STRACE_FILE
"""
import re
import struct
import sys

WG_CMD_SET_DEVICE = 1
WGDEVICE_A_PEERS = 8
WGPEER_A_PUBLIC_KEY = 1
NLA_TYPE_MASK = 0x3FFF

STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
SIMPLE = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "\\": 92, '"': 34, "'": 39}


def unescape(s):
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode()
            i += 1
        elif s[i + 1] == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        elif s[i + 1] in "01234567":
            m = re.match(r"[0-7]{1,3}", s[i + 1:])
            out.append(int(m.group(), 8))
            i += 1 + len(m.group())
        else:
            out.append(SIMPLE.get(s[i + 1], ord(s[i + 1])))
            i += 2
    return bytes(out)


def attrs(b, off, end):
    while off + 4 <= end:
        alen, atype = struct.unpack_from("<HH", b, off)
        if alen < 4 or off + alen > end:
            return
        yield atype & NLA_TYPE_MASK, off + 4, off + alen
        off += (alen + 3) & ~3


def main():
    sets, keys, uapi_peers = 0, set(), 0
    for line in open(sys.argv[1], errors="replace"):
        # generic netlink: the header is decoded, the family payload is the string after it
        for m in re.finditer(r'nlmsg_type=wireguard,[^}]*\}, "((?:[^"\\]|\\.)*)"', line):
            b = unescape(m.group(1))
            if len(b) < 4 or b[0] != WG_CMD_SET_DEVICE:
                continue
            sets += 1
            for t, s, e in attrs(b, 4, len(b)):
                if t != WGDEVICE_A_PEERS:
                    continue
                for _, ps, pe in attrs(b, s, e):
                    for pt, ks, ke in attrs(b, ps, pe):
                        if pt == WGPEER_A_PUBLIC_KEY:
                            keys.add(b[ks:ke])
        if "nlmsg_type=" in line:
            continue
        for m in STRING.finditer(line):
            b = unescape(m.group(1))
            sets += b.count(b"set=1\n")
            uapi_peers += b.count(b"public_key=")
    print(sets, len(keys) + uapi_peers)


if __name__ == "__main__":
    main()
