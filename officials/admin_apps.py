"""The admin app with the officials' admin site (password, then TOTP when ``OTP_REQUIRED``)."""
from django.contrib.admin.apps import AdminConfig


class OfficialsAdminConfig(AdminConfig):
    """``django.contrib.admin`` whose default site is :class:`officials.sites.OfficialsAdminSite`."""

    default_site = "officials.sites.OfficialsAdminSite"
