"""The seed's case end to end through /api/v1/: Liu Hu, an unpaid judgment, a payment to a mistyped
account, a court that no longer answers, and the second payment that lifts the deduction.

A court token, a service token, two officials (a clerk who files, a supervisor who decides); the
clock (``time_machine``) is moved through the source's answer deadline, and the scenario asserts
points, grade, eligibility, notices and the statement at every step. The decision deadline, the
withdraw answer and late appeals have their own tests in ``test_due_process.py``.
"""
import datetime
import zoneinfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command

from notices.models import Notice
from points.agencies import agency_set_services
from points.models import LedgerEntry
from tests.api.conftest import basic_client, report_body, staff_user

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
JUDGMENT_DAY = datetime.datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
CASE = "(2025) Su 1324 Zhi 9"


def day(n: int, hour: int = 10) -> datetime.datetime:
    """``n`` days after the judgment, at ``hour``."""
    return JUDGMENT_DAY.replace(hour=hour) + datetime.timedelta(days=n)


class Case:
    """Liu Hu's record seen through the API, as each party sees it."""

    def __init__(self, citizen, as_agency):
        self.rid = citizen.resident_id
        self.court, self.police, self.service = as_agency("court"), as_agency("police"), as_agency("licensing")
        staff_user("clerk")
        supervisor = staff_user("supervisor")
        supervisor.groups.add(Group.objects.get_or_create(name="Supervisors")[0])  # told of escalations
        supervisor.email = "supervisor@points.example"
        supervisor.save(update_fields=["email"])
        self.clerk, self.supervisor = basic_client("clerk"), basic_client("supervisor")

    def standing(self) -> tuple:
        body = self.clerk.get(f"/api/v1/citizens/{self.rid}/").json()
        return body["score"], body["grade"]

    def school(self) -> dict:
        response = self.service.get(f"/api/v1/citizens/{self.rid}/eligibility/?service=school_admission")
        assert response.status_code == 200, response.content
        return response.json()["decisions"][0]

    def statement(self) -> dict:
        return self.clerk.get(f"/api/v1/citizens/{self.rid}/statement/").json()

    def notices(self) -> list:
        return list(Notice.objects.filter(citizen__resident_id=self.rid).order_by("id").values_list("kind", "body"))


@pytest.fixture
def case(make_citizen, agencies, as_agency):
    # The service office of the story is a school: the demo's service agency, bound to school admission.
    agency_set_services(agency=agencies["licensing"], services=["school_admission"])
    return Case(make_citizen(), as_agency)


def test_liu_hu(case, db):
    with time_machine.travel(day(-2), tick=False) as clock:
        assert case.police.post("/api/v1/events/", report_body(
            _person(case), event_type="traffic_violation", key="lh-traffic", occurred_at=day(-3))).status_code == 201
        assert case.standing() == (995, "A")

        # 1. The court reports the unpaid judgment: -30, grade B; the school office hears "allowed".
        clock.move_to(day(0))
        judgment = case.court.post("/api/v1/events/", report_body(
            _person(case), event_type="unpaid_court_judgment", key="lh-judgment", occurred_at=day(0, 9)))
        assert judgment.status_code == 201, judgment.content
        judgment_id = judgment.json()["event_id"]
        assert case.standing() == (965, "B")
        assert case.school()["decision"] == "allowed" and case.school()["under_appeal_since"] is None

        # 2-3. He paid (to a mistyped account); the clerk files his claim of payment with the evidence.
        clock.move_to(day(4))
        filed = case.clerk.post(f"/api/v1/events/{judgment_id}/appeals/", {
            "grounds": "Liu Hu paid the judgment on 3 March.", "claim": "paid",
            "evidence": ["Bank transfer 2025-03-03 ref 88231"]}, format="json")
        assert filed.status_code == 201, filed.content
        appeal = filed.json()
        assert (appeal["source_due"], appeal["deadline"], appeal["state"]) == ("2025-03-15", "2025-04-04", "filed")
        # The court is told: a notice in its inbox, and the appeal in GET /agency/appeals/.
        inbox = case.court.get("/api/v1/agency/appeals/?open=true").json()
        assert inbox["count"] == 1 and [a["id"] for a in inbox["results"]] == [appeal["id"]]
        assert "score" not in inbox["results"][0]
        notice = Notice.objects.get(appeal_id=appeal["id"], kind="appeal_filed", agency__isnull=False)
        assert notice.agency.code == "court" and "2025-03-15" in notice.subject
        assert (notice.channel, notice.delivery_status) == ("inbox", "stored")  # the court has no contact
        assert case.court.get(f"/api/v1/appeals/{appeal['id']}/").status_code == 200
        # Another agency cannot see or answer it: 404, as for an appeal that does not exist.
        assert case.police.get(f"/api/v1/appeals/{appeal['id']}/").status_code == 404
        assert case.police.get("/api/v1/agency/appeals/").json()["results"] == []
        stranger = case.police.post(f"/api/v1/appeals/{appeal['id']}/answer/",
                                    {"answer": "withdraw", "reasons": "probing"}, format="json")
        assert stranger.status_code == 404 and stranger.json()["code"] == "not_found"
        assert case.school()["under_appeal_since"] == "2025-03-05"
        assert case.standing() == (965, "B")

        # 4. The court does not answer by 15 March: on the 16th the deduction is suspended (twice: once).
        clock.move_to(day(14))
        call_command("appeals", "deadlines")
        assert case.standing() == (965, "B")  # the 15th is still the court's day
        clock.move_to(day(15, 2))
        call_command("appeals", "deadlines")
        call_command("appeals", "deadlines")
        assert case.standing() == (995, "A")
        suspension = LedgerEntry.objects.get(kind="suspension")
        assert suspension.delta == 30 and "court did not answer by 2025-03-15" in suspension.reason
        assert case.school()["decision"] == "priority"
        assert "suspended pending appeal" in case.school()["reason"]
        escalated = case.clerk.get(f"/api/v1/appeals/{appeal['id']}/").json()
        assert escalated["state"] == "escalated" and escalated["transitions"][-1]["by"] == "deadlines"
        told = Notice.objects.filter(appeal_id=appeal["id"]).exclude(citizen__isnull=False)
        assert {(n.agency.code if n.agency else n.official.username, n.kind) for n in told} == {
            ("court", "appeal_filed"), ("court", "appeal_escalated"), ("supervisor", "appeal_escalated")}
        to_supervisor = told.get(official__username="supervisor")
        assert (to_supervisor.channel, to_supervisor.delivery_status) == ("email", "pending")
        assert "supervisors' queue" in to_supervisor.subject and case.rid in to_supervisor.body
        assert case.notices()[-1][0] == "reversal" and "suspended pending appeal" in case.notices()[-1][1]

        # The court answers late: it confirms, with its reasons and evidence (once).
        clock.move_to(day(17))
        answer = case.court.post(f"/api/v1/appeals/{appeal['id']}/answer/", {
            "answer": "confirm", "reasons": "No payment reached the court's account; ref 88231 went to a "
                                            "mistyped account.", "evidence": ["Court account statement, March 2025"]},
            format="json")
        assert answer.status_code == 200, answer.content
        assert answer.json()["source_answer"] == "confirm" and "score" not in answer.json()
        assert "after its deadline of 2025-03-15" in answer.json()["transitions"][-1]["reasons"]
        again = case.court.post(f"/api/v1/appeals/{appeal['id']}/answer/",
                                {"answer": "withdraw", "reasons": "Changed our mind."}, format="json")
        assert again.status_code == 409
        assert case.standing() == (995, "A")

        # 5. The clerk who filed cannot decide; the supervisor rejects: the deduction is reinstated.
        clock.move_to(day(19))
        refused = case.clerk.post(f"/api/v1/appeals/{appeal['id']}/reject/", {"reasons": "Unpaid."}, format="json")
        assert refused.status_code == 403
        rejected = case.supervisor.post(f"/api/v1/appeals/{appeal['id']}/reject/", {
            "reasons": "The first payment went to a wrong account; the debt is unpaid."}, format="json")
        assert rejected.status_code == 200, rejected.content
        assert case.standing() == (965, "B")
        assert case.school()["decision"] == "allowed" and "suspended" not in case.school()["reason"]
        reinstated = LedgerEntry.objects.get(kind="reinstated")
        assert reinstated.delta == -30 and reinstated.reverses_id == suspension.pk
        # Told twice: the points count again, and the decision with its written reasons.
        assert "counts again" in case.notices()[-2][1] and case.notices()[-1][0] == "appeal_decided"
        assert Notice.objects.filter(appeal_id=appeal["id"], kind="appeal_decided", agency__code="court").exists()

        # He pays again on 24 March. Bad lifts change nothing.
        clock.move_to(day(24))
        lift = {"event_type": "judgment_satisfied", "resident_id": case.rid, "idempotency_key": "lh-paid",
                "attributes": {"case_number": CASE, "paid_on": "2025-03-24", "evidence": "Receipt 2025-0417"}}
        for body, status, field in (
            (_with(lift, paid_on="2025-03-26"), 400, "attributes.paid_on"),  # in the future
            (_with(lift, paid_on="2025-02-27"), 400, "attributes.paid_on"),  # before the judgment
            ({**lift, "resident_id": _other(case)}, 400, "resident_id"),  # another person
        ):
            response = case.court.post(f"/api/v1/events/{judgment_id}/lift/", body, format="json")
            assert response.status_code == status and field in response.json()["field_errors"], response.content
        traffic_id = LedgerEntry.objects.get(rule_id="OWN-TRAFFIC-MINOR").event_id
        assert case.court.post(f"/api/v1/events/{traffic_id}/lift/", lift, format="json").status_code == 404
        assert case.police.post(f"/api/v1/events/{traffic_id}/lift/", lift, format="json").status_code == 400
        assert case.standing() == (965, "B")

        # The court records the payment: the deduction ends as of 24 March; the judgment stays on record.
        lifted = case.court.post(f"/api/v1/events/{judgment_id}/lift/", lift, format="json")
        assert lifted.status_code == 201, lifted.content
        assert [(e["kind"], e["delta"]) for e in lifted.json()["entries"]] == [("lifted", 30)]
        assert case.court.post(f"/api/v1/events/{judgment_id}/lift/", lift, format="json").status_code == 200
        assert case.standing() == (995, "A")
        assert case.school()["decision"] == "priority"

        statement = case.statement()
        lines = {line["kind"]: line for line in statement["lines"]}
        assert "unpaid from 2025-03-01 to 2025-03-24; paid on 2025-03-24" in lines["lifted"]["text"]
        assert lines["rule"]["event_status"] == "applied"  # the original judgment stays visible
        assert [line["kind"] for line in statement["lines"]][-4:] == ["rule", "suspension", "reinstated", "lifted"]
        text = statement["appeals"][0]["text"]
        assert "rejected" in text and "court answered on 2025-03-18: confirmed by the source" in text
        assert statement["score"] == 995 == sum(line["delta"] for line in statement["lines"])


def _person(case):
    from citizens.models import Citizen

    return Citizen.objects.get(resident_id=case.rid)


def _other(case) -> str:
    from citizens.models import Citizen

    return Citizen.objects.exclude(resident_id=case.rid).first().resident_id if Citizen.objects.exclude(
        resident_id=case.rid).exists() else "110101199003074514"


def _with(lift: dict, **attributes) -> dict:
    return {**lift, "attributes": {**lift["attributes"], **attributes}}
