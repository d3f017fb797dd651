from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Agency API"

    def ready(self):
        # Registers the OpenAPI description of the agency token scheme.
        from api import schema  # noqa: F401

        # Connects the receivers that make every process forget remembered agencies when one
        # changes, in every process that can change one (admin, shell, commands), not only the API's.
        from points import agencies  # noqa: F401
