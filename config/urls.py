"""Top-level URL configuration."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", include("officials.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]
