"""The Celery application: delivery of notices and the scheduled jobs (``notices.tasks``).

Settings come from Django's (``CELERY_`` prefix). Like ``config/wsgi.py``, a worker started without
``DJANGO_SETTINGS_MODULE`` runs production settings; the demo (``make run``) names the development
ones. Start a worker with
``celery -A config worker`` and the scheduler with ``celery -A config beat`` (docs/operations.md).
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_production")

app = Celery("points")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["notices"])
