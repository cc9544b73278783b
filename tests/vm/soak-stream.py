#!/usr/bin/python3
# One TCP stream, paced, for a fixed time, whose every byte the receiver
# checks: the traffic of tests/vm/soak.
#
#   soak-stream.py receive PORT TIMEOUT
#       Accepts one connection on PORT, reads it to the end, and prints the
#       number of bytes received; exits 1 if a byte is not the one expected
#       or the stream does not end within TIMEOUT seconds.
#   soak-stream.py send ADDRESS PORT SECONDS RATE [STOP_FILE]
#       Connects to ADDRESS and PORT, sends about RATE bytes a second for
#       SECONDS seconds, or until STOP_FILE exists, and prints the number of
#       bytes sent.  A stalled tunnel only delays it: the stream must
#       survive, not keep its rate.
#
# The stream is the bytes 0, 1, ..., 250, 0, 1, ... (251 is prime, so no
# power-of-two chunking hides a lost or repeated block).

import os
import socket
import sys
import time

PERIOD = 251
BLOCK = 4096


def pattern(offset, length):
    start = offset % PERIOD
    reps = (start + length) // PERIOD + 1
    return (bytes(range(PERIOD)) * reps)[start:start + length]


def receive(port, timeout):
    family = socket.AF_INET6
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("::", port))
    listener.listen(1)
    listener.settimeout(timeout)
    conn, _ = listener.accept()
    deadline = time.monotonic() + timeout
    received = 0
    while True:
        conn.settimeout(max(deadline - time.monotonic(), 0.1))
        data = conn.recv(65536)
        if not data:
            break
        if data != pattern(received, len(data)):
            print("byte %d and after differ from what was sent" % received)
            return 1
        received += len(data)
    print(received)
    return 0


def send(address, port, seconds, rate, stop_file=None):
    sock = socket.create_connection((address, port), timeout=120)
    start = time.monotonic()
    sent = 0
    while (time.monotonic() - start < seconds
           and not (stop_file and os.path.exists(stop_file))):
        sock.sendall(pattern(sent, BLOCK))
        sent += BLOCK
        ahead = sent / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    sock.shutdown(socket.SHUT_WR)
    # Wait for the receiver to close, so that every byte is acknowledged.
    sock.recv(1)
    print(sent)
    return 0


def main():
    if sys.argv[1] == "receive":
        return receive(int(sys.argv[2]), float(sys.argv[3]))
    return send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
                float(sys.argv[5]), sys.argv[6] if len(sys.argv) > 6 else None)


if __name__ == "__main__":
    sys.exit(main())
