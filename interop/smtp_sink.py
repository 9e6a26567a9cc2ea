#!/usr/bin/env python3
"""A tiny SMTP sink for the foxden interop tests.

It accepts every message on 127.0.0.1 and stores each one as an ``.eml`` file in
MAIL_DIR. Two headers are put in front of the original message so tests can match
on the envelope: ``X-Sink-Mail-From`` and ``X-Sink-Rcpt-To`` (comma separated).
A file is written under a temporary name and then renamed, so a reader never sees
a half-written message. File names sort in arrival order:
``<unix-ns>-<seq>.eml``.

When the listener is up, the sink writes ``host:port`` to the ready file (default
``MAIL_DIR/.sink-ready``) and prints ``smtp_sink: READY host:port`` on stdout. It
runs until SIGTERM or SIGINT arrives and removes the ready file on the way out.

``--delay-ms N`` makes the sink answer each message N ms late, as a slow mail
server does (the mail-queue benchmark uses it).

Usage: smtp_sink.py [--host 127.0.0.1] [--port PORT] [--ready-file PATH] [--delay-ms N] MAIL_DIR
The port can also come from $SMTP_SINK_PORT. Port 0 (the default) picks a free port.
"""

import argparse
import asyncio
import itertools
import os
import signal
import socket
import sys
import threading
import time

from aiosmtpd.controller import Controller


class MaildirHandler:
    def __init__(self, mail_dir, delay_ms=0):
        self.mail_dir = mail_dir
        self.delay = delay_ms / 1000
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        mail_from = envelope.mail_from or ""
        rcpts = ", ".join(envelope.rcpt_tos or [])
        prefix = (
            f"X-Sink-Mail-From: {mail_from}\r\nX-Sink-Rcpt-To: {rcpts}\r\n"
        ).encode("utf-8", "surrogateescape")
        with self._lock:
            name = f"{time.time_ns():020d}-{next(self._seq):06d}"
        tmp = os.path.join(self.mail_dir, f".{name}.tmp")
        final = os.path.join(self.mail_dir, f"{name}.eml")
        with open(tmp, "wb") as f:
            f.write(prefix)
            f.write(content)
        os.replace(tmp, final)
        print(f"smtp_sink: stored {name}.eml for {rcpts}", flush=True)
        return "250 Message accepted for delivery"


def free_port(host):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mail_dir")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("SMTP_SINK_PORT", "0")))
    p.add_argument("--ready-file", default=None)
    p.add_argument("--delay-ms", type=int, default=0)
    args = p.parse_args(argv)

    os.makedirs(args.mail_dir, exist_ok=True)
    ready_file = args.ready_file or os.path.join(args.mail_dir, ".sink-ready")
    port = args.port or free_port(args.host)

    controller = Controller(
        MaildirHandler(args.mail_dir, args.delay_ms),
        hostname=args.host,
        port=port,
        enable_SMTPUTF8=True,
        ready_timeout=10.0,
    )
    controller.start()  # returns once the server answers

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    tmp = ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{args.host}:{port}\n")
    os.replace(tmp, ready_file)
    print(f"smtp_sink: READY {args.host}:{port}", flush=True)

    try:
        while not stop.wait(1.0):
            pass
    finally:
        controller.stop()
        try:
            os.remove(ready_file)
        except FileNotFoundError:
            pass
        print("smtp_sink: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
