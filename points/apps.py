from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = "Points and ledger"

    def ready(self):
        from points import lookups, postgres

        lookups.register()
        postgres.connect()
