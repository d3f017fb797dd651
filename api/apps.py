from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Agency API"

    def ready(self):
        # Registers the OpenAPI description of the agency token scheme.
        from api import schema  # noqa: F401
