"""A real SMTP server on 127.0.0.1 for the outbox's fault tests (aiosmtpd, in a thread of the test process)."""

import asyncio
import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Received:
    """Records every message the server accepted; ``rcpt_delay`` holds each mail at RCPT (before its DATA)."""

    def __init__(self, rcpt_delay: float = 0):
        self.messages: list[email.message.EmailMessage] = []
        self.rcpt_delay = rcpt_delay
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def texts(self) -> list[str]:
        with self.lock:
            return [f"{m['To']}\n{m['Subject']}\n{m.get_content()}" for m in self.messages]


class SMTPServer:
    def __init__(self, port: int, handler: Received):
        self.controller = Controller(handler, hostname="127.0.0.1", port=port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def smtp_mailers(port: int) -> dict:
    """``MAILERS`` as in production, with the delivery mailer pointed at the test's SMTP server."""
    return {
        "default": {"BACKEND": "outbox.backends.OutboxEmailBackend"},
        "delivery": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        },
    }
