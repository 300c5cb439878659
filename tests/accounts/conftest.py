"""Fixtures of the accounts tests: a real SMTP server on loopback (aiosmtpd) that the server's
SMTP backend sends to, fresh rate-limit counters, and users with jobs and files."""
import email
import re
import shutil
import socket
import threading
import uuid
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.utils import timezone

from apps.jobs.models import JobStatus
from apps.swap.models import FaceSwapJob
from tests.worker_process import wait_for

PASSWORD = "accounts-test-pw-1"
LINK = re.compile(r"https?://[^\s<>\"]+")


class Mailbox:
    """What the loopback SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if address in m["X-Envelope-To"]]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> list[Message]:
        return wait_for(lambda: len(self.to(address)) >= count and self.to(address), timeout=timeout,
                        what=f"{count} mail(s) to {address}")


def mail_text(message: Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "\n".join(part.get_payload(decode=True).decode() for part in parts
                     if part.get_content_type() == "text/plain")


def mail_links(message: Message) -> list[str]:
    return LINK.findall(mail_text(message))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(settings) -> Mailbox:
    """A real SMTP server on 127.0.0.1; the server's SMTP backend is pointed at it."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "iSamurai <noreply@example.test>"
    yield box
    controller.stop()


@pytest.fixture(autouse=True)
def _quick_password_hashes(settings):
    """Many sign-ins per test on 2 shared cores: a cheap hasher (the real one is PBKDF2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts attempts in the cache (Redis here): every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media(settings) -> Path:
    return Path(settings.ISAMURAI_MEDIA_ROOT)


@pytest.fixture
def clip(testdata) -> Path:
    return testdata / "videos" / "liveportrait_d0.mp4"


@pytest.fixture
def make_job(media):
    """A face-swap job whose target is a copy of `video` under the media root; `output=True` makes
    it a Done job with an output file (as a worker leaves it)."""

    def _make(user, video: Path, *, output: bool = False, **fields) -> FaceSwapJob:
        job_id = uuid.uuid4()
        target = f"uploads/{job_id.hex}/target.mp4"
        (media / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(video, media / target)
        if output:
            out = f"outputs/{uuid.uuid4().hex}/output.mp4"
            (media / out).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(video, media / out)
            fields.update(status=JobStatus.DONE, output_file=out, finished_at=timezone.now(),
                          progress_percentage=100)
        return FaceSwapJob.objects.create(id=job_id, user=user, inputs={"target": target}, **fields)

    return _make
