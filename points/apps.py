from django.apps import AppConfig
from django.core.signals import setting_changed
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _

from points import db_roles, keys
from points.db import lookups


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("Points and ledger")

    def ready(self):
        lookups.register()
        setting_changed.connect(_forget_keys, dispatch_uid="points.keys.forget")
        post_migrate.connect(db_roles.after_migrate, sender=self, dispatch_uid="points.db_roles.after_migrate")
        connection_created.connect(db_roles.refuse_privileged, dispatch_uid="points.db_roles.refuse_privileged")
        # Every process that can change an agency (admin, shell, commands, the API) makes all the
        # others forget the agencies they remember.
        from points import agencies  # it imports models, which load after every app's configuration

        post_save.connect(agencies.agency_saved_or_deleted, sender="points.Agency", dispatch_uid="points_agency_saved")
        post_delete.connect(agencies.agency_saved_or_deleted, sender="points.Agency",
                            dispatch_uid="points_agency_deleted")


def _forget_keys(*, setting, **kwargs):
    if setting.startswith("LEDGER_"):
        keys.forget()
