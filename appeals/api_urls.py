"""Routes of due process on the agency API (/api/v1/): appeals, corrections and lifts."""
from django.urls import path

from appeals import api

urlpatterns = [
    path("events/<int:event_id>/appeals/", api.EventAppealView.as_view(), name="api-events-appeal"),
    path("events/<int:event_id>/correct/", api.EventCorrectView.as_view(), name="api-events-correct"),
    path("events/<int:event_id>/lift/", api.EventLiftView.as_view(), name="api-events-lift"),
    path("agency/appeals/", api.AgencyAppealsView.as_view(), name="api-agency-appeals"),
    path("appeals/<int:appeal_id>/", api.AppealView.as_view(), name="api-appeal"),
    path("appeals/<int:appeal_id>/answer/", api.AppealAnswerView.as_view(), name="api-appeal-answer"),
    path("appeals/<int:appeal_id>/review/", api.AppealReviewView.as_view(), name="api-appeal-review"),
    path("appeals/<int:appeal_id>/uphold/", api.AppealUpholdView.as_view(), name="api-appeal-uphold"),
    path("appeals/<int:appeal_id>/reject/", api.AppealRejectView.as_view(), name="api-appeal-reject"),
]
