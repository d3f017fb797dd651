from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rules import registry


class RulesConfig(AppConfig):
    name = "rules"
    verbose_name = _("Policy and rules")

    def ready(self):
        # It reads the published versions (a model), which load only after every app's configuration has.
        from rules.published import PublishedPolicyResolver

        # Running processes switch to a newly published policy version without a restart.
        registry.set_resolver(PublishedPolicyResolver(interval=settings.POLICY_CHECK_SECONDS))
