"""The agency API's endpoints. Each parses input, calls one service or selector, shapes the answer."""
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from api import catalogue
from api import serializers as s
from api.authentication import request_actor, request_agency, request_is_official
from api.exceptions import error_body
from api.permissions import AskEligibility, ReadCatalogue, ReadLedger, ReadStanding, ReportEvents, RetractEvent
from api.schema import errors
from api.selectors import MAX_ID, citizen_for_caller, event_get, ledger_visible_to
from api.throttling import BatchThrottle, CallerThrottle
from audit.services import access_log_record
from audit.sources import request_source_address
from core.exceptions import ValidationFailed
from points.batch import batch_check_size, batch_totals, events_report_batch
from points.explain import explanations_shared
from points.selectors import citizen_eligibility, citizen_get, eligibility_citizen, eligibility_services
from points.services import event_report, event_retract
from rules.registry import current_policy

RESIDENT_ID = OpenApiParameter("resident_id", str, OpenApiParameter.PATH, description="18-character resident ID.")
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Unique per report; alternative to the idempotency_key field.",
)


def parse(serializer_class, data, **context) -> dict:
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def log_read(request, *, citizen, action: str, purpose: str = "") -> None:
    """Write this API read of ``citizen``'s record to the access log: who, why, from where."""
    actor, kind = request_actor(request)
    access_log_record(actor=actor, actor_kind=kind, citizen=citizen, action=action, channel="api", purpose=purpose,
                      source_address=request_source_address(request), path=request.get_full_path())


class EventReportView(APIView):
    permission_classes = [ReportEvents]

    @extend_schema(
        operation_id="events_report", tags=["events"], parameters=[IDEMPOTENCY_HEADER],
        request=s.EventReportSerializer,
        responses={201: s.ReportResultSerializer, **errors(400, 404, 409, 413, 415, 422)},
        summary="Report one event",
        description="Applies every rule the event matches. Sending the same idempotency key and body again "
                    "returns the original result with replayed=true and counts nothing twice; the same key "
                    "with a different body is refused with 409.",
    )
    def post(self, request):
        data = s.parse_report(request.data, idempotency_header=request.headers.get("Idempotency-Key"))
        with explanations_shared():  # the notice's words for the new entries are the answer's
            result = event_report(agency=request_agency(request), **data)
            body = s.report_result_dict(result)
        headers = {"Idempotent-Replayed": "true"} if not result.created else {}
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)


class EventBatchView(APIView):
    permission_classes = [ReportEvents]
    throttle_classes = [CallerThrottle, BatchThrottle]

    @extend_schema(
        operation_id="events_report_batch", tags=["events"], request=s.BatchRequestSerializer,
        responses={200: s.BatchResponseSerializer, **errors(400, 413, 415)},
        summary="Report up to 1,000 events",
        description="Each item is applied or rejected on its own (atomically, idempotently); results are "
                    "listed in order with each item's outcome and the status it would have had alone.",
    )
    def post(self, request):
        items = request.data.get("items") if isinstance(request.data, dict) else None
        if isinstance(items, list):
            batch_check_size(len(items))  # before parsing thousands of items
        items = parse(s.BatchEnvelopeSerializer, request.data)["items"]
        with explanations_shared():  # the notices' words for the new entries are the answer's
            results = events_report_batch(agency=request_agency(request), items=s.parse_report_items(items))
            policy = current_policy()
            body = {**batch_totals(results), "results": [_batch_item(r, policy) for r in results]}
        return Response(body, status=status.HTTP_200_OK)


def _batch_item(item, policy) -> dict:
    if item.error is not None:
        error = error_body(**item.error.as_dict())
        return {"index": item.index, "outcome": item.outcome, "http_status": item.error.http_status,
                "result": None, "error": error}
    return {"index": item.index, "outcome": item.outcome, "http_status": 201,
            "result": s.report_result_dict(item.result, policy), "error": None}


class EventRetractView(APIView):
    permission_classes = [RetractEvent]

    @extend_schema(
        operation_id="events_retract", tags=["events"], request=s.RetractSerializer,
        responses={200: s.RetractResultSerializer, **errors(400, 404, 409, 413, 415)},
        summary="Withdraw a report",
        description="Only the agency that reported the event, or an official, may withdraw it; to an agency "
                    "another agency's event is as unknown as a missing one (404). Reversal entries restore "
                    "the points; the event is marked retracted. Withdrawing twice gives 409.",
    )
    def post(self, request, event_id: int):
        data = parse(s.RetractSerializer, request.data)
        agency = request_agency(request)
        event = event_get(event_id=event_id, agency=agency)
        user = request.user if request_is_official(request) else None
        reversals = event_retract(event=event, reason=data["reason"], agency=agency, user=user)
        event.refresh_from_db()
        body = {"event_id": event.pk, "status": event.status, "reversals": reversals}
        return Response(s.RetractResultSerializer(body).data)


class CitizenView(APIView):
    permission_classes = [ReadStanding]

    @extend_schema(operation_id="citizens_get", tags=["citizens"], parameters=[RESIDENT_ID],
                   responses={200: s.CitizenSerializer, **errors(400, 404)}, summary="A citizen's standing")
    def get(self, request, resident_id: str):
        citizen = citizen_get(resident_id=resident_id)
        body = s.CitizenSerializer(citizen).data
        log_read(request, citizen=citizen, action="standing.read", purpose="standing")
        return Response(body)


class LedgerPagination(PageNumberPagination):
    """Pages of 50 (up to 500) entries; a malformed page or page size is a 400, not silently ignored."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        errors = {name: [f"must be a whole number from 1 to {limit}"]
                  for name, limit in (("page", MAX_ID), ("page_size", self.max_page_size))
                  if name in request.query_params and not _whole(request.query_params[name], limit)}
        if errors:
            raise ValidationFailed("Invalid page parameters.", field_errors=errors)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        limits = {"page": MAX_ID, "page_size": self.max_page_size}
        for parameter in parameters:
            parameter["schema"].update(minimum=1, maximum=limits[parameter["name"]])
        return parameters


def _whole(text: str, limit: int) -> bool:
    return text.isascii() and text.isdigit() and 1 <= int(text) <= limit


LEDGER_ENTRY = PolymorphicProxySerializer(
    component_name="LedgerEntryForCaller", resource_type_field_name=None, many=True,
    serializers=[s.LedgerEntryExplainedSerializer, s.AgencyLedgerEntrySerializer],
)


class CitizenLedgerView(ListAPIView):
    permission_classes = [ReadLedger]
    pagination_class = LedgerPagination

    @extend_schema(
        operation_id="citizens_ledger", tags=["citizens"], parameters=[RESIDENT_ID],
        responses={200: LEDGER_ENTRY, **errors(400, 404)},
        summary="A citizen's ledger, explained",
        description="Newest first. Officials see every entry with its running balance (LedgerEntryExplained); "
                    "a reporting agency only the entries its own reports caused, without balances "
                    "(AgencyLedgerEntry), and only for a person it has reported on: anyone else is a 404, "
                    "as an unknown resident ID is. Every read is written to the access log.",
    )
    def get(self, request, resident_id: str):
        self.citizen = citizen_for_caller(resident_id=resident_id, agency=request_agency(request))
        response = self.list(request)
        log_read(request, citizen=self.citizen, action="ledger.read", purpose="ledger")
        return response

    def get_queryset(self):
        return ledger_visible_to(citizen=self.citizen, agency=request_agency(self.request))

    def get_serializer_class(self):
        if request_agency(self.request) is not None:
            return s.AgencyLedgerEntrySerializer
        return s.LedgerEntryExplainedSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "policy": current_policy()}


class CitizenEligibilityView(APIView):
    permission_classes = [AskEligibility]

    @extend_schema(
        operation_id="citizens_eligibility", tags=["citizens"],
        parameters=[RESIDENT_ID, OpenApiParameter("service", str, description=(
            "A service code (GET /services/); omit for every service the caller may ask about (a service "
            "agency: the services its record lists; an official: all)."))],
        responses={200: s.EligibilitySerializer, **errors(400, 403, 404, 422)},
        summary="Eligibility for one service or all",
        description="A service agency may ask only about the services it provides (403 otherwise) and sees the "
                    "grade and score only where the service's disclose_score is true. Every answer, refusals "
                    "for an unenrolled person included, is written to the access log with the services asked.",
    )
    def get(self, request, resident_id: str):
        agency = request_agency(request)
        codes = eligibility_services(agency=agency, service_code=request.query_params.get("service"))
        citizen = eligibility_citizen(resident_id=resident_id)
        try:
            decisions = citizen_eligibility(citizen=citizen, service_codes=codes, agency=agency)
        finally:
            log_read(request, citizen=citizen, action="eligibility.read", purpose=",".join(codes))
        return Response(s.eligibility_dict(citizen.resident_id, decisions))


class EventTypesView(APIView):
    permission_classes = [ReadCatalogue]

    @extend_schema(operation_id="event_types_list", tags=["catalogue"],
                   responses={200: catalogue.EventTypeSerializer(many=True), **errors()},
                   summary="Event types of the policy in force")
    def get(self, request):
        return Response(catalogue.EventTypeSerializer(catalogue.event_types(), many=True).data)


class ServicesView(APIView):
    permission_classes = [ReadCatalogue]

    @extend_schema(operation_id="services_list", tags=["catalogue"],
                   responses={200: catalogue.ServiceSerializer(many=True), **errors()},
                   summary="Services whose eligibility depends on the grade")
    def get(self, request):
        return Response(catalogue.ServiceSerializer(catalogue.services(), many=True).data)


class PolicyView(APIView):
    permission_classes = [ReadCatalogue]

    @extend_schema(operation_id="policy_get", tags=["catalogue"],
                   responses={200: catalogue.PolicySerializer, **errors()}, summary="The policy version in force")
    def get(self, request):
        return Response(catalogue.PolicySerializer(current_policy()).data)

