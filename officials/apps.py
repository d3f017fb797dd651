from django.apps import AppConfig


class OfficialsConfig(AppConfig):
    name = "officials"
    verbose_name = "Officials"
