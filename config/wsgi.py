"""WSGI entry point for gunicorn (deploy/gunicorn.conf.py).

Without ``DJANGO_SETTINGS_MODULE`` it runs the production settings, which refuse to start without a
real ``SECRET_KEY`` and PostgreSQL: a server started carelessly never runs with DEBUG on or the
public development key. Development servers (``manage.py runserver``) set ``config.settings`` first.
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_production")
application = get_wsgi_application()
