"""Appeals and corrections through the agency API (``/api/v1/``): thin views over the services.

Who may call each view: ``api/permissions.py`` (filing: officials and the offices listed in
``settings.APPEAL_FILING_AGENCIES``; reviewing, deciding and correcting: officials only). Whoever
filed an appeal never reviews or decides it: ``appeals.services`` refuses (``points.duties``).
"""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import request_actor, request_agency
from api.permissions import AnswerAppeal, CorrectEvent, DecideAppeal, FileAppeal, LiftEvent, ReadAppeal
from api.schema import errors
from api.selectors import MAX_ID, event_get
from api.serializers import AttributesField, AwareDateTimeField, EntrySerializer
from api.views import LedgerPagination, log_read
from appeals import services
from appeals.models import Appeal
from appeals.selectors import agency_appeals, appeal_concerns_agency
from core.exceptions import NotFound, ValidationFailed
from points.corrections import event_correct
from points.lifts import event_lift

APPEAL_ID = OpenApiParameter("appeal_id", int, OpenApiParameter.PATH, description="The appeal's number.")
EVENT_ID = OpenApiParameter("event_id", int, OpenApiParameter.PATH, description="The contested event's id.")


EVIDENCE = serializers.ListField(child=serializers.CharField(max_length=500), max_length=20, required=False,
                                 default=list, help_text="References of the evidence (receipts, file numbers).")


class AppealFileSerializer(serializers.Serializer):
    grounds = serializers.CharField(max_length=10_000, help_text="Why the citizen says the record is wrong.")
    claim = serializers.ChoiceField(choices=Appeal.Claim.values, required=False, default=Appeal.Claim.WRONG,
                                    help_text="'paid': the obligation was fulfilled (evidence required).")
    evidence = EVIDENCE
    late_reason = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="",
                                        help_text="Required after the citizen's filing window: why it is accepted.")


class AppealAnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=Appeal.Answer.values, help_text="confirm the report, or withdraw it.")
    reasons = serializers.CharField(max_length=10_000)
    evidence = EVIDENCE


class AppealReasonsSerializer(serializers.Serializer):
    reasons = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="",
                                    help_text="Written reasons; required to uphold or reject.")


class AppealTransitionSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = serializers.CharField()
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField()
    reasons = serializers.CharField(allow_blank=True)


class AppealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    resident_id = serializers.CharField(source="citizen.resident_id")
    state = serializers.ChoiceField(choices=Appeal.State.values)
    channel = serializers.CharField()
    filed_by = serializers.CharField()
    filed_at = serializers.DateTimeField()
    grounds = serializers.CharField()
    deadline = serializers.DateField(help_text="The decision is due by this day.")
    decided_by = serializers.CharField(allow_blank=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reasons = serializers.CharField(allow_blank=True)
    claim = serializers.CharField()
    evidence = serializers.ListField(child=serializers.CharField())
    late_reason = serializers.CharField(allow_blank=True)
    source_due = serializers.DateField(allow_null=True, help_text="The reporting agency answers by this day.")
    source_answer = serializers.CharField(allow_blank=True)
    source_answered_at = serializers.DateTimeField(allow_null=True)
    source_reasons = serializers.CharField(allow_blank=True)
    source_evidence = serializers.ListField(child=serializers.CharField())
    suspended_at = serializers.DateTimeField(allow_null=True, help_text="When a missed deadline suspended the "
                                                                        "contested points.")
    transitions = AppealTransitionSerializer(many=True, source="transitions.all")


class OfficeAppealSerializer(AppealSerializer):
    """What officials and the filing office see: the appeal and the citizen's standing now."""

    score = serializers.IntegerField(source="citizen.score", allow_null=True, help_text="The citizen's score now.")
    grade = serializers.CharField(source="citizen.grade", help_text="The citizen's grade now.")


def appeal_get(*, appeal_id: int) -> Appeal:
    appeal = Appeal.objects.filter(pk=appeal_id).select_related("citizen").first() if 0 < appeal_id <= MAX_ID \
        else None
    if appeal is None:
        raise NotFound(f"No appeal with id {appeal_id}.")
    return appeal


def _appeal_response(appeal: Appeal, code=status.HTTP_200_OK, source=False) -> Response:
    """The appeal, fresh; an agency (``source``: the reporting one or the filing office) does not see the
    citizen's standing."""
    appeal = appeal_get(appeal_id=appeal.pk)
    serializer = AppealSerializer if source else OfficeAppealSerializer
    return Response(serializer(appeal).data, status=code)


class EventAppealView(APIView):
    permission_classes = [FileAppeal]

    @extend_schema(operation_id="events_appeal", tags=["appeals"], parameters=[EVENT_ID],
                   request=AppealFileSerializer, responses={201: OfficeAppealSerializer,
                                                            **errors(400, 404, 409, 415)},
                   summary="File an appeal against an event",
                   description="On the citizen's behalf. The decision deadline comes from the policy; while the "
                               "appeal is open, eligibility answers say the decision is under appeal.")
    def post(self, request, event_id: int):
        serializer = AppealFileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor, _ = request_actor(request)
        data = serializer.validated_data
        appeal = services.appeal_file(event=event_get(event_id=event_id), grounds=data["grounds"], by=actor,
                                      channel=Appeal.Channel.API, claim=data["claim"], evidence=data["evidence"],
                                      late_reason=data["late_reason"])
        return _appeal_response(appeal, status.HTTP_201_CREATED, source=request_agency(request) is not None)


class AppealView(APIView):
    permission_classes = [ReadAppeal]

    @extend_schema(operation_id="appeals_get", tags=["appeals"], parameters=[APPEAL_ID],
                   responses={200: OfficeAppealSerializer, **errors(404)}, summary="An appeal and its history",
                   description="Officials, the office that filed it, and the agency whose report it contests "
                               "(without the citizen's standing); anyone else: 404.")
    def get(self, request, appeal_id: int):
        appeal = appeal_get(appeal_id=appeal_id)
        agency = request_agency(request)
        if agency is not None and not appeal_concerns_agency(appeal=appeal, agency=agency):
            raise NotFound(f"No appeal with id {appeal_id} filed by or against {agency.code}.")
        log_read(request, citizen=appeal.citizen, action="appeal.read", purpose=f"appeal {appeal.pk}")
        return _appeal_response(appeal, source=agency is not None)


class InboxPagination(LedgerPagination):
    """Pages of 50 (up to 200) appeals; a malformed page or page size is a 400."""

    page_size = 50
    max_page_size = 200


class AgencyAppealsView(ListAPIView):
    """The reporting agency's inbox: appeals against its own reports, a page at a time."""

    permission_classes = [AnswerAppeal]
    pagination_class = InboxPagination
    serializer_class = AppealSerializer

    @extend_schema(operation_id="agency_appeals", tags=["appeals"],
                   responses={200: AppealSerializer(many=True), **errors(400, 404)},
                   parameters=[OpenApiParameter("open", bool, description="Only appeals still open.")],
                   summary="Appeals against my reports (reporting agencies)",
                   description="Newest first, in pages (page, page_size; count, next and previous say where the "
                               "others are). Answer each with POST /appeals/{id}/answer/ by its source_due.")
    def get(self, request):
        return self.list(request)

    def get_queryset(self):
        only_open = self.request.query_params.getlist("open")
        if only_open not in ([], ["true"], ["false"]):
            raise ValidationFailed("'open' is true or false.", field_errors={"open": ["true or false"]})
        return agency_appeals(agency=request_agency(self.request), only_open=only_open == ["true"])


class AppealAnswerView(APIView):
    permission_classes = [AnswerAppeal]

    @extend_schema(operation_id="appeals_answer", tags=["appeals"], parameters=[APPEAL_ID],
                   request=AppealAnswerSerializer, responses={200: AppealSerializer, **errors(400, 404, 409, 415)},
                   summary="Answer an appeal against my report: confirm or withdraw",
                   description="Only the agency that reported the contested event; any other gets 404. "
                               "'withdraw' retracts the report (its points are reversed).")
    def post(self, request, appeal_id: int):
        serializer = AppealAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appeal = services.appeal_answer(appeal=appeal_get(appeal_id=appeal_id), agency=request_agency(request),
                                        answer=data["answer"], reasons=data["reasons"], evidence=data["evidence"])
        return _appeal_response(appeal, source=True)


def _decision_view(action: str, service, summary: str):
    class DecisionView(APIView):
        permission_classes = [DecideAppeal]

        @extend_schema(operation_id=f"appeals_{action}", tags=["appeals"], parameters=[APPEAL_ID],
                       request=AppealReasonsSerializer,
                       responses={200: OfficeAppealSerializer, **errors(400, 404, 409, 415)},
                       summary=summary)
        def post(self, request, appeal_id: int):
            serializer = AppealReasonsSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            appeal = service(appeal=appeal_get(appeal_id=appeal_id), reasons=serializer.validated_data["reasons"],
                             by=request.user.get_username())
            return _appeal_response(appeal)

    DecisionView.__name__ = f"Appeal{action.title()}View"
    return DecisionView


AppealReviewView = _decision_view("review", services.appeal_start_review, "Start reviewing an appeal")
AppealUpholdView = _decision_view("uphold", services.appeal_uphold,
                                  "Uphold an appeal: the event is voided and its points restored")
AppealRejectView = _decision_view("reject", services.appeal_reject, "Reject an appeal: the record stands")


class CorrectionSerializer(serializers.Serializer):
    attributes = AttributesField(help_text="The event's attributes as they should have been.")
    reason = serializers.CharField(max_length=2000, help_text="Why the event is corrected.")
    occurred_at = AwareDateTimeField(required=False, help_text="A corrected date and time, if it was wrong too.")


class CorrectionResultSerializer(serializers.Serializer):
    voided_event_id = serializers.IntegerField(source="voided.pk")
    event_id = serializers.IntegerField(source="report.event.pk", help_text="The corrected event.")
    reversals = EntrySerializer(many=True, help_text="Entries that reversed the voided event.")
    entries = EntrySerializer(many=True, source="report.entries", help_text="Entries the corrected event caused.")
    score = serializers.IntegerField(source="report.score")
    grade = serializers.CharField(source="report.grade")


class EventCorrectView(APIView):
    permission_classes = [CorrectEvent]

    @extend_schema(operation_id="events_correct", tags=["events"], parameters=[EVENT_ID],
                   request=CorrectionSerializer, responses={201: CorrectionResultSerializer,
                                                            **errors(400, 403, 404, 409, 415)},
                   summary="Correct an event's attributes (officials)",
                   description="Voids the event and reports it again, as the original agency, with the corrected "
                               "attributes; both stay visible and the new event names the old one. All or nothing.")
    def post(self, request, event_id: int):
        serializer = CorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = event_correct(event=event_get(event_id=event_id), attributes=data["attributes"],
                               reason=data["reason"], occurred_at=data.get("occurred_at"),
                               by=request.user.get_username(), user=request.user)
        return Response(CorrectionResultSerializer(result).data, status=status.HTTP_201_CREATED)


class LiftSerializer(serializers.Serializer):
    event_type = serializers.CharField(max_length=64, help_text="A type whose policy 'lifts' names the event's.")
    resident_id = serializers.CharField(max_length=18, help_text="The person of the lifted event (a cross-check).")
    attributes = AttributesField(help_text="The lifting event's attributes, with its payment date.")
    idempotency_key = serializers.CharField(max_length=128)


class LiftResultSerializer(serializers.Serializer):
    event_id = serializers.IntegerField(source="event.pk", help_text="The lifting event.")
    lifts = serializers.IntegerField(source="event.lifts_id", help_text="The lifted event (it stays on record).")
    entries = EntrySerializer(many=True, help_text="Entries the lift wrote.")
    created = serializers.BooleanField()


class EventLiftView(APIView):
    permission_classes = [LiftEvent]

    @extend_schema(operation_id="events_lift", tags=["events"], parameters=[EVENT_ID], request=LiftSerializer,
                   responses={201: LiftResultSerializer, 200: LiftResultSerializer,
                              **errors(400, 403, 404, 409, 415, 422)},
                   summary="Record that the obligation of an event was fulfilled (e.g. a judgment paid)",
                   description="The agency that reported the event, or an official on the citizen's proof. The "
                               "deduction ends as of the payment day with a 'lifted' entry; the event stays on "
                               "record. All or nothing; the same key answers the first result (200).")
    def post(self, request, event_id: int):
        serializer = LiftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        agency = request_agency(request)
        result = event_lift(event=event_get(event_id=event_id), event_type=data["event_type"],
                            resident_id=data["resident_id"], attributes=data["attributes"],
                            idempotency_key=data["idempotency_key"], agency=agency,
                            user=None if agency is not None else request.user)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(LiftResultSerializer(result).data, status=code)
