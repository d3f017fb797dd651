"""Route of the citizen statement on the agency API (/api/v1/)."""
from django.urls import path

from statements import api

urlpatterns = [
    path("citizens/<str:resident_id>/statement/", api.CitizenStatementView.as_view(), name="api-citizen-statement"),
]
