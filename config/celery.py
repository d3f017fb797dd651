"""The Celery application: delivery of notices and the scheduled jobs (``notices.tasks``).

Settings come from Django's (``CELERY_`` prefix, ``config.settings``). Start a worker with
``celery -A config worker`` and the scheduler with ``celery -A config beat`` (docs/operations.md).
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("points")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["notices"])
