from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "Notices to citizens"

    def ready(self):
        from notices import receivers

        receivers.connect()
