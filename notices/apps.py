from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices to citizens")

    def ready(self):
        # Modules that import models load once the apps have: the receivers connect to the signals of
        # points and appeals, and the queue's jobs register with the Celery application.
        from notices import receivers, tasks  # noqa: F401

        receivers.connect()
