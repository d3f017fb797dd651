"""The admin site officials use: with ``OTP_REQUIRED`` a staff user also needs a verified TOTP device.

Everything under ``/admin/`` (the dashboard, statements and corrections included) is wrapped by
this site's ``admin_view``, so ``has_permission`` is the one place the second factor is enforced.
"""
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext, gettext_lazy, gettext_noop

# SITE_HEADER's default (config/settings.py), marked here so that the catalogues carry it.
DEFAULT_SITE_HEADER = gettext_noop("睢宁县积分管理 / Suining points office")


class OfficialsAdminSite(admin.AdminSite):
    """Django's admin site, asking for an authenticator code at login when ``OTP_REQUIRED`` is on.

    Its header and the browser tab's title are ``SITE_HEADER``, translated in the request's language."""

    @property
    def site_header(self):
        return gettext(settings.SITE_HEADER)

    @property
    def site_title(self):
        return gettext(settings.SITE_HEADER)

    index_title = gettext_lazy("Points register")
    # At 1366 px the app list beside every page left the lists too narrow for their columns; the
    # breadcrumbs and the home page lead everywhere the sidebar did.
    enable_nav_sidebar = False

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not settings.OTP_REQUIRED or request.user.is_verified()

    @property
    def login_form(self):
        if not settings.OTP_REQUIRED:
            return None  # Django's own admin login form
        from officials.forms import OfficialAuthenticationForm  # imports models: not at app loading

        return OfficialAuthenticationForm

    @property
    def login_template(self):
        return "admin/otp_login.html" if settings.OTP_REQUIRED else None
