"""Top-level URL configuration."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/statements/", include("statements.urls")),
    path("admin/points/event/", include("points.correction_urls")),
    path("admin/", include("officials.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("portal.urls")),  # last: the citizen's portal owns the site root
]

handler500 = "config.errors.server_error"
