"""Real parts for delivery tests: a local SMTP server (aiosmtpd) and a fake HTTP SMS gateway, each on a
free 127.0.0.1 port, and the real task queue (Celery on a Redis database of its own, a queue name of
this test run) with a worker thread or process."""
import asyncio
import email
import email.policy
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
# Redis database 6 is this lane's (the brief); the queue name is unique to the test run.
BROKER_URL = os.environ.get("NOTICES_TEST_BROKER_URL", "redis://127.0.0.1:6379/6")
QUEUE = f"notices-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SinkHandler:
    """Keeps every accepted message. An address containing ``refuse`` gets 550 (permanent), one with
    ``busy`` 451 (temporary); ``hold`` (a set of addresses) keeps RCPT waiting until ``release``."""

    def __init__(self):
        self.messages, self.hold, self.holding = [], set(), threading.Event()
        self.released = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "refuse" in address:
            return "550 5.1.1 mailbox unavailable"
        if "busy" in address:
            return "451 4.3.0 try again later"
        if address in self.hold:
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list:
        return [message["Message-ID"] for message in self.messages]


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend points at it."""
    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, 5
    handler.port = controller.port
    yield handler
    handler.released.set()
    controller.stop()


class Gateway(BaseHTTPRequestHandler):
    """Answers with the next status in ``server.statuses`` (200 when empty) and records each request."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.server.requests.append({"body": body, "key": self.headers["Idempotency-Key"],
                                     "auth": self.headers["Authorization"], "status": status})
        if self.server.delay:
            time.sleep(self.server.delay)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"status": status}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def sms_gateway(settings):
    """A fake HTTP SMS gateway on 127.0.0.1; the SMS channel posts to it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    server.statuses, server.requests, server.delay = [], [], 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTICES_SMS_GATEWAY = "notices.sms.HttpGateway"
    settings.NOTICES_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_address[1]}/send"
    settings.NOTICES_SMS_GATEWAY_TOKEN, settings.NOTICES_SMS_TIMEOUT = "t0ken", 1
    yield server
    server.shutdown()
    server.server_close()


def use_broker(url: str) -> None:
    """Point the Celery app at ``url`` and this run's queue (drops pooled connections)."""
    celery_app._pool = None  # pools are kept per URL (kombu.pools): the new URL gets its own
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    celery_app.conf.update(broker_url=url, task_default_queue=QUEUE, broker_connection_timeout=1,
                           broker_transport_options={"visibility_timeout": 7200, "socket_connect_timeout": 1,
                                                     "socket_timeout": 2})


def queue_length() -> int:
    return redis.Redis.from_url(BROKER_URL).llen(QUEUE)


@pytest.fixture
def broker():
    """The real broker (Redis) with an empty queue of this run; skipped if Redis is not running."""
    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):  # .ci/run starts Redis: its absence there is a failure, not a skip
            pytest.fail(f"Redis is not running at {BROKER_URL}")
        pytest.skip(f"needs Redis at {BROKER_URL}")
    client.delete(QUEUE)
    use_broker(BROKER_URL)
    yield BROKER_URL
    client.delete(QUEUE)
    use_broker("memory://")


@pytest.fixture
def worker(broker, transactional_db):
    """A Celery worker thread consuming this run's queue (same process: same test database)."""
    import logging

    from celery.contrib.testing.worker import start_worker

    # The testing worker sets up Celery's own logging in this process; the suite's handlers come back after.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[QUEUE], shutdown_timeout=5,
                          loglevel="WARNING") as w:
            yield w
    finally:
        root.handlers[:], root.level = handlers, level


def wait_until(condition, timeout: float = 20.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not true within {timeout} s: {condition}")


def database_url() -> str:
    """This test database as a DATABASE_URL for another process (SQLite's is a file: config.settings)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    server = f"{db['HOST']}:{db['PORT']}" if db["PORT"] else db["HOST"]
    return f"postgres://{login}@{server}/{db['NAME']}"


def worker_process(smtp_port: int, **env) -> subprocess.Popen:
    """``celery -A config worker`` in another process, on this test database and this run's queue."""
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": BROKER_URL,
           "CELERY_QUEUE": QUEUE, "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), **env}
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
                             "--loglevel", "warning", "-Q", QUEUE, "--without-heartbeat", "--without-gossip",
                             "--without-mingle"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def contact_citizen(make_citizen):
    """A citizen with contacts (email by default; ``mobile=`` and ``preferred_channel='sms'`` for SMS)."""
    from django.utils import timezone

    def make(*, email="li.hua@example.cn", mobile="", preferred_channel="email", consent=True, postal_address="",
             **fields):
        return make_citizen(email=email, mobile=mobile, preferred_channel=preferred_channel,
                            contact_consent=consent, contact_consent_at=timezone.now() if consent else None,
                            postal_address=postal_address, **fields)

    return make


from tests.api.conftest import _clean_throttle_counters, as_agency, tokens  # noqa: E402, F401
from tests.fixtures.admin import roles  # noqa: E402, F401
from tests.fixtures.reporting import report  # noqa: E402, F401  (report an event as an agency)
