from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = "Points and ledger"

    def ready(self):
        from django.core.signals import setting_changed
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from points import db_roles, keys
        from points.db import lookups

        lookups.register()
        setting_changed.connect(_forget_keys, dispatch_uid="points.keys.forget")
        post_migrate.connect(db_roles.after_migrate, sender=self, dispatch_uid="points.db_roles.after_migrate")
        connection_created.connect(db_roles.refuse_privileged, dispatch_uid="points.db_roles.refuse_privileged")
        del keys


def _forget_keys(*, setting, **kwargs):
    if setting.startswith("LEDGER_"):
        from points import keys

        keys.forget()
