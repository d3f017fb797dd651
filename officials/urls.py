"""The dashboard and policy pages, mounted under /admin/ before the admin site's own URLs."""
from django.contrib import admin
from django.urls import path

from officials import views

app_name = "officials"
urlpatterns = [
    path("dashboard/", admin.site.admin_view(views.dashboard), name="dashboard"),
    path("policy/", admin.site.admin_view(views.policy_in_force), name="policy"),
]
