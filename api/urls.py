"""Routes of the agency API (/api/v1/), its OpenAPI document and the local Swagger UI.

The routes of due process (appeals, corrections, lifts, the statement) belong to the apps that build
on this one; ``config.urls`` puts them under /api/v1/ ahead of these."""
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api import views
from api.exceptions import not_found_view

v1 = [
    path("events/", views.EventReportView.as_view(), name="api-events"),
    path("events/batch/", views.EventBatchView.as_view(), name="api-events-batch"),
    path("events/<int:event_id>/retract/", views.EventRetractView.as_view(), name="api-events-retract"),
    path("citizens/<str:resident_id>/", views.CitizenView.as_view(), name="api-citizen"),
    path("citizens/<str:resident_id>/ledger/", views.CitizenLedgerView.as_view(), name="api-citizen-ledger"),
    path("citizens/<str:resident_id>/eligibility/", views.CitizenEligibilityView.as_view(),
         name="api-citizen-eligibility"),
    path("event-types/", views.EventTypesView.as_view(), name="api-event-types"),
    path("services/", views.ServicesView.as_view(), name="api-services"),
    path("policy/", views.PolicyView.as_view(), name="api-policy"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[],
                                               throttle_classes=[]), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", authentication_classes=[],
                                                 permission_classes=[], throttle_classes=[]), name="api-docs"),
    re_path(r"^.*$", not_found_view),
]
