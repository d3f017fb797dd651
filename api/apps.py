from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Agency API")

    def ready(self):
        # Registers the OpenAPI description of the agency token scheme; imported here because it
        # imports the authentication, which imports models, which load after every app's configuration.
        from api import schema  # noqa: F401
