"""gunicorn for production, behind nginx (deploy/nginx.conf): ``gunicorn -c deploy/gunicorn.conf.py``.

Sync workers are enough because nginx buffers every request before passing it on and every
response before the client reads it: a worker never waits on a slow client, only on the
database. Without nginx in front, two clients that send their headers slowly hold both workers
(docs/operations.md). Settings come from the environment; command-line options override them.
"""
import os

wsgi_app = "config.wsgi:application"  # production settings unless DJANGO_SETTINGS_MODULE says otherwise

# Only nginx may reach gunicorn: a Unix socket it can write to (or loopback). Django trusts the
# X-Forwarded-Proto and X-Real-IP headers nginx sets because nobody else can connect.
bind = os.environ.get("GUNICORN_BIND", "unix:/run/points/gunicorn.sock")
umask = 0o007  # the socket: owner and group (nginx's) only
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))  # one per core: the work is CPU-bound
worker_class = "config.gunicorn_hooks.JsonErrorSyncWorker"  # gunicorn's sync worker, its refusals in JSON
# A worker silent for this long (stuck in a request) is killed and replaced; statements time out sooner.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30  # on restart, requests in flight get this long to finish
keepalive = 2  # nginx speaks HTTP/1.0 to gunicorn and closes each connection; this only bounds the rare reuse
# Request-line and header limits (gunicorn's defaults, stated): nginx enforces its own before these.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
control_socket_disable = True  # gunicorn's runtime control interface: not used, so not offered

# Logs on stdout/stderr for the service manager (journald). The access log has no query string
# (%(U)s is the path alone; %(r)s and %(q)s would carry it), no Referer (it may hold another site's
# query string) and the client address nginx saw; resident IDs in the path are masked by the
# logger class, which filters every handler gunicorn sets up (config/gunicorn_hooks.py).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = ('%({x-real-ip}i)s %(u)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms '
                     'id=%({x-request-id}i)s "%(a)s"')
logger_class = "config.gunicorn_hooks.MaskingLogger"
