"""Routes of the agency API (/api/v1/), its OpenAPI document and the local Swagger UI."""
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api import views
from api.exceptions import not_found_view
from appeals import api as appeals_api
from statements import api as statements_api

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
    # Due process (appeals/, statements/): appeals, corrections, the citizen statement.
    path("events/<int:event_id>/appeals/", appeals_api.EventAppealView.as_view(), name="api-events-appeal"),
    path("events/<int:event_id>/correct/", appeals_api.EventCorrectView.as_view(), name="api-events-correct"),
    path("events/<int:event_id>/lift/", appeals_api.EventLiftView.as_view(), name="api-events-lift"),
    path("agency/appeals/", appeals_api.AgencyAppealsView.as_view(), name="api-agency-appeals"),
    path("appeals/<int:appeal_id>/", appeals_api.AppealView.as_view(), name="api-appeal"),
    path("appeals/<int:appeal_id>/answer/", appeals_api.AppealAnswerView.as_view(), name="api-appeal-answer"),
    path("appeals/<int:appeal_id>/review/", appeals_api.AppealReviewView.as_view(), name="api-appeal-review"),
    path("appeals/<int:appeal_id>/uphold/", appeals_api.AppealUpholdView.as_view(), name="api-appeal-uphold"),
    path("appeals/<int:appeal_id>/reject/", appeals_api.AppealRejectView.as_view(), name="api-appeal-reject"),
    path("citizens/<str:resident_id>/statement/", statements_api.CitizenStatementView.as_view(),
         name="api-citizen-statement"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[],
                                               throttle_classes=[]), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", authentication_classes=[],
                                                 permission_classes=[], throttle_classes=[]), name="api-docs"),
    re_path(r"^.*$", not_found_view),
]
