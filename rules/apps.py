from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "rules"
    verbose_name = "Policy and rules"

    def ready(self):
        from django.conf import settings

        from rules import registry
        from rules.published import PublishedPolicyResolver

        # Running processes switch to a newly published policy version without a restart.
        registry.set_resolver(PublishedPolicyResolver(interval=settings.POLICY_CHECK_SECONDS))
