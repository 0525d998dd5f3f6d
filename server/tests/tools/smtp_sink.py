"""A real SMTP server for the tests (aiosmtpd): it accepts every message on 127.0.0.1:PORT and
writes each one to DIR/<n>.json as {"rcpt": [...], "from": ..., "subject": ..., "body": ...},
the headers and body decoded as a mail reader would show them.

Usage: python smtp_sink.py PORT DIR     (runs until killed; prints "ready" once listening)
"""

import email
import email.policy
import itertools
import json
import pathlib
import signal
import sys

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        self.count = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        kept = {
            "rcpt": envelope.rcpt_tos,
            "from": str(message["from"]),
            "subject": str(message["subject"]),
            "body": message.get_content(),
        }
        n = next(self.count)
        part = self.folder / f"{n}.json.part"
        part.write_text(json.dumps(kept))
        part.rename(self.folder / f"{n}.json")
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
