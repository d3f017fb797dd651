"""The production stack for real: nginx (deploy/nginx/) in front of gunicorn (deploy/gunicorn.conf.py,
config/wsgi.py's production settings) on the test database, each started here on a free loopback
port with a temporary configuration, and stopped.

Slow clients stall bare gunicorn and not the stack; the forwarding headers cannot be forged through
nginx; duplicated headers and credentials in the address are refused; logs hold no query string,
no token and no whole resident ID.
"""
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from points.agencies import agency_rotate_token
from points.demo import demo_agencies
from points.models import Event
from tests.api.conftest import report_body
from tests.production import LEDGER_ENV

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WORKERS = 2
SLOW_HEAD = b"GET /api/v1/event-types/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a"
SLOW_BODY = ("POST /api/v1/events/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
             "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"resident_id\": ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited early: {log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"not listening on {port}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Stack:
    """gunicorn and nginx processes of this test module, and where they log."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.gunicorn_port, self.nginx_port = free_port(), free_port()
        self.processes = []

    def start(self) -> None:
        self._start_gunicorn()
        self.start_nginx()

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop(process)

    def _start_gunicorn(self) -> None:
        db = connection.settings_dict
        login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
        env = {"PATH": os.environ.get("PATH", ""), "SECRET_KEY": secrets.token_urlsafe(50),
               "DATABASE_URL": f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
               **LEDGER_ENV, "SECURE_SSL_REDIRECT": "0",  # no TLS in this test: nginx listens on plain HTTP
               "ALLOWED_HOSTS": "127.0.0.1,localhost", "WEB_CONCURRENCY": str(WORKERS),
               "GUNICORN_BIND": f"127.0.0.1:{self.gunicorn_port}",
               "GUNICORN_ACCESSLOG": str(self.dir / "gunicorn-access.log")}
        log = self.dir / "gunicorn-error.log"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        process = subprocess.Popen([str(gunicorn), "-c", "deploy/gunicorn.conf.py"], cwd=ROOT, env=env,
                                   stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        wait_for_port(self.gunicorn_port, process, log)

    def start_nginx(self) -> None:
        (self.dir / "points").symlink_to(ROOT / "deploy" / "nginx")
        temp = "\n".join(f"    {kind}_temp_path {self.dir / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                               "uwsgi", "scgi"))
        (self.dir / "nginx.conf").write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {self.dir / "nginx.pid"};
error_log {self.dir / "nginx-error.log"} info;
events {{ worker_connections 256; }}
http {{
{temp}
    include points/points-http.conf;
    upstream points_gunicorn {{ server 127.0.0.1:{self.gunicorn_port}; }}
    server {{
        listen 127.0.0.1:{self.nginx_port};
        server_name 127.0.0.1 localhost;
        access_log {self.dir / "nginx-access.log"} points;
        include points/points-locations.conf;
    }}
}}
""")
        log = self.dir / "nginx-error.log"
        process = subprocess.Popen([NGINX, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"),
                                    "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                   stderr=(self.dir / "nginx.out").open("ab"), start_new_session=True)
        self.processes.append(process)
        wait_for_port(self.nginx_port, process, log)

    def logs(self) -> str:
        """Everything both servers and Django have written so far."""
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.dir.glob("*.log")))


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    if not Path(NGINX).exists():
        pytest.skip("needs nginx (scripts/install-system-deps installs it)")
    running = Stack(tmp_path_factory.mktemp("stack"))
    try:
        with django_db_blocker.unblock():
            running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
def token(transactional_db):
    agencies = {agency.code: agency for agency in demo_agencies()}
    return agency_rotate_token(agency=agencies["court"])


def request(port: int, path: str, *, method: str = "GET", headers=(), body: bytes | None = None,
            timeout: float = 10) -> tuple[int, dict, bytes]:
    """One request; ``headers`` as (name, value) pairs, so a name may repeat."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=any(name.lower() == "host" for name, _ in headers))
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def slow_clients(port: int, count: int, body_token: str | None = None) -> list[socket.socket]:
    """Connections that send part of a request head (every other one, given an agency's token, a head
    and part of a report's body instead), then nothing."""
    sockets = []
    for number in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        client.sendall(SLOW_BODY.format(token=body_token).encode() if body_token and number % 2 else SLOW_HEAD)
        sockets.append(client)
    return sockets


def timed_get(port: int, token: str, timeout: float) -> float | None:
    """Seconds a normal authenticated request took, or None if it got no answer within ``timeout``."""
    started = time.monotonic()
    try:
        status, _, _ = request(port, "/api/v1/event-types/", headers=[("Authorization", f"Token {token}")],
                               timeout=timeout)
    except TimeoutError:
        return None
    assert status == 200
    return time.monotonic() - started


def test_slow_clients_stall_bare_gunicorn_but_not_the_stack(stack, token):
    assert timed_get(stack.gunicorn_port, token, 10) is not None
    held = slow_clients(stack.gunicorn_port, WORKERS)
    try:
        time.sleep(0.3)
        assert timed_get(stack.gunicorn_port, token, 3) is None  # both sync workers wait on the slow heads
    finally:
        for client in held:
            client.close()
    held = slow_clients(stack.nginx_port, 4 * WORKERS, body_token=token)
    try:
        time.sleep(0.3)
        took = [timed_get(stack.nginx_port, token, 10) for _ in range(5)]
    finally:
        for client in held:
            client.close()
    assert None not in took and max(took) < 3, took  # a stalled worker answers after 30 s, if at all


def test_forwarding_headers_cannot_be_forged_through_nginx(stack, token):
    """nginx sets X-Forwarded-Proto and X-Real-IP itself: a client claiming HTTPS over plain HTTP gets no
    HSTS header (Django saw http), and the access log names the address nginx saw, not the claimed one."""
    forged = [("Authorization", f"Token {token}"), ("X-Forwarded-Proto", "https"), ("X-Real-IP", "203.0.113.9"),
              ("X-Forwarded-For", "203.0.113.9")]
    status, headers, _ = request(stack.nginx_port, "/api/v1/event-types/", headers=forged)
    assert status == 200 and "strict-transport-security" not in headers
    status, headers, _ = request(stack.gunicorn_port, "/api/v1/event-types/", headers=forged)
    assert status == 200 and "strict-transport-security" in headers  # why only nginx may reach gunicorn
    time.sleep(0.3)
    through_nginx = [line for line in (stack.dir / "gunicorn-access.log").read_text().splitlines()
                     if "event-types" in line and "id=-" not in line]
    assert through_nginx and through_nginx[-1].startswith("127.0.0.1 ")


def test_a_repeated_idempotency_key_header_is_400_through_the_stack(stack, token, make_citizen):
    body = report_body(make_citizen())
    del body["idempotency_key"]
    headers = [("Authorization", f"Token {token}"), ("Idempotency-Key", "x1"), ("Idempotency-Key", "x2")]
    status, headers, answer = request(stack.nginx_port, "/api/v1/events/", method="POST",
                                      body=json.dumps(body).encode(), headers=headers)
    assert status == 400 and headers["content-type"] == "application/json", answer
    assert json.loads(answer)["field_errors"].keys() == {"Idempotency-Key"}
    assert not Event.objects.filter(agency__code="court").exists()


@pytest.mark.parametrize("raw", [
    b"GET /api/v1/event-types/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a\x01b\r\n",  # refused by gunicorn
    b"GET /api/v1/event-types/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a\x00b\r\n",  # refused by nginx
    b"GET /api/v1/\x01/ HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    b"GARBAGE\r\n",
    b"GET /api/v1/event-types/ HTTP/1.1\r\nHost: evil.example\r\n",  # refused by Django
    b"GET /api/v1/event-types/?token=abc HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # refused by nginx
    b"POST /api/v1/events/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 20000000\r\n",  # over nginx's limit
])
def test_every_refusal_through_the_stack_has_the_json_error_shape(stack, db, raw):
    with socket.create_connection(("127.0.0.1", stack.nginx_port), timeout=10) as client:
        client.sendall(raw + b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split()[1] in (b"400", b"413"), answer
    assert b"content-type: application/json" in head.lower(), answer
    if b"transfer-encoding: chunked" in head.lower():
        body = dechunked(body)
    assert set(json.loads(body)) >= {"code", "message", "field_errors"}


def dechunked(body: bytes) -> bytes:
    out = b""
    while True:
        size, _, body = body.partition(b"\r\n")
        if int(size, 16) == 0:
            return out
        out, body = out + body[:int(size, 16)], body[int(size, 16) + 2:]


def test_logs_hold_no_query_string_no_token_and_no_whole_resident_id(stack, token, make_citizen):
    citizen = make_citizen()
    unknown = "11010519491231002X"
    auth = [("Authorization", f"Token {token}")]
    request(stack.nginx_port, f"/api/v1/citizens/{citizen.resident_id}/ledger/?page=1&page_size=5", headers=auth)
    request(stack.nginx_port, f"/api/v1/citizens/{unknown}/eligibility/?service=x", headers=auth)
    secret = "s3cr3t-" + secrets.token_hex(8)
    status, _, _ = request(stack.nginx_port, f"/api/v1/citizens/{unknown}/?token={secret}")
    assert status == 400
    request(stack.gunicorn_port, f"/api/v1/citizens/{unknown}/?access_token={secret}")  # even bypassing nginx
    time.sleep(0.5)
    logs = stack.logs()
    assert f"{citizen.resident_id[:6]}********{citizen.resident_id[-4:]}" in logs
    assert "110105********002X" in logs
    for leak in (citizen.resident_id, unknown, token, secret, "page_size", "service=x"):
        assert leak not in logs, leak


def test_sign_in_bursts_from_one_address_are_cut_at_the_edge(stack, db):
    """django-axes counts failures only after checking them; nginx bounds how many arrive at once."""
    statuses = [request(stack.nginx_port, "/admin/login/")[0] for _ in range(20)]
    assert statuses[:11] == [200] * 11 and statuses[-1] == 429, statuses


def test_the_shipped_production_config_passes_nginx_t(tmp_path):
    """deploy/nginx.conf as installed, with a throw-away certificate and paths of the test's own."""
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=points",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    (tmp_path / "points").symlink_to(ROOT / "deploy" / "nginx")
    (tmp_path / "logs").mkdir()
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    for old, new in {"/etc/ssl/points/fullchain.pem": tmp_path / "cert.pem",
                     "/etc/ssl/points/privkey.pem": tmp_path / "key.pem", "/var/log/nginx/": f"{tmp_path}/logs/",
                     "/run/nginx.pid": tmp_path / "nginx.pid"}.items():
        assert old in text
        text = text.replace(old, str(new))
    (tmp_path / "nginx.conf").write_text(text)
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_with_gunicorn_unreachable_nginx_answers_503_retry_later_under_the_api(tmp_path):
    edge = Stack(tmp_path)
    edge.gunicorn_port = free_port()  # nobody listens there
    try:
        edge.start_nginx()
        status, headers, body = request(edge.nginx_port, "/api/v1/policy/")
    finally:
        edge.stop()
    assert status == 503 and headers["retry-after"] == "5", body
    assert headers["content-type"] == "application/json" and json.loads(body)["code"] == "retry_later"
