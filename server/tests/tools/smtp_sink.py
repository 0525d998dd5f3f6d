"""A real SMTP server for the tests (aiosmtpd): it accepts every message on 127.0.0.1:PORT and
writes each one, as received, to DIR/<n>.eml, with its envelope recipients on the first line.

Usage: python smtp_sink.py PORT DIR     (runs until killed; prints "ready" once listening)
"""

import itertools
import pathlib
import signal
import sys

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        self.count = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.count)
        recipients = ",".join(envelope.rcpt_tos)
        text = f"RCPT {recipients}\n".encode() + envelope.original_content
        (self.folder / f"{n}.eml.part").write_bytes(text)
        (self.folder / f"{n}.eml.part").rename(self.folder / f"{n}.eml")
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), pathlib.Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keep(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        signal.pause()  # the controller serves on its own thread
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
