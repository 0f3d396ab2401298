#!/usr/bin/env python3
# tcp_stream.py HOST PORT: holds a TCP connection to lab_whoami's stream port
# and sends a line every 0.1 s; each answer (the source address the server
# saw) is logged as "[epoch] ok N ADDR", N counting connections. A connection
# that fails, is reset or stays silent for 3 s is logged as "[epoch] lost N
# WHY", and a new one is opened (an exit that changes changes the source
# address: the server's side of the old connection cannot follow). Runs until
# killed; one line per event on stdout, unbuffered.
import socket, sys, time

host, port = sys.argv[1], int(sys.argv[2])
SILENCE = 3.0


def log(*words):
    print("[%.3f]" % time.time(), *words, flush=True)


def hold(n):
    s = socket.create_connection((host, port), timeout=1)
    s.settimeout(0.1)
    buf, last = b"", time.monotonic()
    next_send = 0.0
    while True:
        now = time.monotonic()
        if now >= next_send:
            s.sendall(b"x\n")
            next_send = now + 0.1
        try:
            data = s.recv(4096)
        except socket.timeout:
            data = None
        if data == b"":
            raise ConnectionError("closed by the far side")
        if data:
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                log("ok", n, line.decode().strip())
                last = time.monotonic()
        if time.monotonic() - last > SILENCE:
            raise TimeoutError("silent for %.0f s" % SILENCE)


n = 0
while True:
    n += 1
    try:
        hold(n)
    except (OSError, ValueError) as e:
        log("lost", n, type(e).__name__)
        time.sleep(0.1)
