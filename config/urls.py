"""Top-level URL configuration."""
from django.contrib import admin
from django.urls import include, path

from officials.views import favicon

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/statements/", include("statements.urls")),
    path("admin/points/event/", include("officials.correction_urls")),
    path("admin/", include("officials.urls")),
    path("admin/", admin.site.urls),
    # Due process on the agency API, ahead of the API's own routes (which end in a catch-all 404).
    path("api/v1/", include("appeals.api_urls")),
    path("api/v1/", include("statements.api_urls")),
    path("api/", include("api.urls")),
    # POST /i18n/setlang/ {language, next}: the language switcher (templates/i18n/language_switcher.html).
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("portal.urls")),  # last: the citizen's portal owns the site root
]

handler500 = "config.errors.server_error"
