"""The citizen statement as JSON (``GET /api/v1/citizens/{resident_id}/statement/``): officials only,
every read written to the access log. For data portability: the same content as the PDF."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ReadStatement
from api.schema import errors
from api.serializers import DecisionSerializer
from api.views import log_read
from appeals.api import AppealTransitionSerializer
from points.selectors import citizen_get
from statements.selectors import citizen_statement

RESIDENT_ID = OpenApiParameter("resident_id", str, OpenApiParameter.PATH, description="18-character resident ID.")


class StatementLineSerializer(serializers.Serializer):
    entry_id = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="When the entry was written.")
    kind = serializers.CharField(help_text="opening, rule, reversal, expiry, suspension, reinstated or lifted.")
    event_id = serializers.IntegerField()
    event_title = serializers.CharField()
    event_status = serializers.CharField(help_text="applied, retracted or voided.")
    occurred_on = serializers.DateField()
    agency = serializers.CharField(help_text="The reporting agency's name.")
    rule_id = serializers.CharField()
    rule_title = serializers.CharField()
    explanation = serializers.CharField(allow_blank=True)
    legal_basis = serializers.CharField(allow_blank=True)
    delta = serializers.IntegerField()
    balance = serializers.IntegerField(help_text="The score after this entry.")
    expires_on = serializers.DateField(allow_null=True, help_text="When these points stop counting.")
    reverses = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    corrects = serializers.IntegerField(allow_null=True, help_text="The voided event this event corrects.")
    text = serializers.CharField(help_text="The entry in plain words, as the API, the admin and the notices word it.")


class AppealSummarySerializer(serializers.Serializer):
    appeal_id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    event_title = serializers.CharField()
    filed_at = serializers.DateTimeField()
    filed_by = serializers.CharField()
    channel = serializers.CharField()
    grounds = serializers.CharField()
    state = serializers.CharField(help_text="filed, under_review, upheld or rejected.")
    deadline = serializers.DateField()
    overdue = serializers.BooleanField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField(allow_blank=True)
    decision_reasons = serializers.CharField(allow_blank=True)
    steps = AppealTransitionSerializer(many=True)
    text = serializers.CharField(help_text="The appeal and its outcome in plain words.")


class AccessLineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    who = serializers.CharField(help_text="The agency's name, or the official's username.")
    actor_kind = serializers.CharField(help_text="agency or user (an official).")
    what = serializers.CharField(help_text="What was read, in words.")
    purpose = serializers.CharField(allow_blank=True, help_text="For eligibility, the services asked about.")
    channel = serializers.CharField(help_text="api or admin.")


class StatementSerializer(serializers.Serializer):
    resident_id = serializers.CharField()
    name = serializers.CharField()
    birth_date = serializers.DateField()
    district = serializers.CharField()
    status = serializers.CharField()
    enrolled_at = serializers.DateTimeField(allow_null=True)
    score = serializers.IntegerField(allow_null=True)
    grade = serializers.CharField(allow_blank=True)
    grade_changed_at = serializers.DateTimeField(allow_null=True)
    generated_at = serializers.DateTimeField()
    policy_version = serializers.CharField()
    under_appeal_since = serializers.DateField(allow_null=True)
    totals = serializers.DictField(child=serializers.IntegerField(), help_text="Points by kind of entry.")
    lines = StatementLineSerializer(many=True, help_text="Every ledger entry from enrolment to today, oldest first.")
    appeals = AppealSummarySerializer(many=True)
    eligibility = DecisionSerializer(many=True, help_text="Today's decision for every service.")
    accesses = AccessLineSerializer(many=True, help_text="Who looked at this record, newest first (access log).")


class CitizenStatementView(APIView):
    permission_classes = [ReadStatement]

    @extend_schema(operation_id="citizens_statement", tags=["citizens"], parameters=[RESIDENT_ID],
                   responses={200: StatementSerializer, **errors(400, 404)}, summary="A citizen's full statement",
                   description="Every entry in plain words, appeals and their outcomes, current eligibility. "
                               "Officials only; every read is written to the access log.")
    def get(self, request, resident_id: str):
        citizen = citizen_get(resident_id=resident_id)
        log_read(request, citizen=citizen, action="statement.read", purpose="statement")  # this read is listed too
        return Response(StatementSerializer(citizen_statement(citizen=citizen)).data)
