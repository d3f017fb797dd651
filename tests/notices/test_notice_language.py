"""A notice is written in the language its citizen reads (``preferred_language``), not in the
language of whoever caused it: the tests themselves run in English."""
import datetime

import pytest

from appeals.services import appeal_file
from notices.models import Notice
from tests.fixtures.reporting import WHEN

FILED = datetime.datetime(2025, 4, 1, 9, 30, tzinfo=WHEN.tzinfo)
GREETING_ZH = "尊敬的"


@pytest.fixture
def two_readers(contact_citizen):
    return (contact_citizen(preferred_language="zh-hans", email="wang@example.cn"),
            contact_citizen(preferred_language="en", email="li@example.cn"))


def test_a_report_is_told_in_each_citizens_language(two_readers, report):
    chinese, english = two_readers
    for citizen in two_readers:
        report(citizen, "drunk_driving_conviction")
    zh = Notice.objects.get(citizen=chinese, kind="points")
    en = Notice.objects.get(citizen=english, kind="points")
    assert GREETING_ZH in zh.body and "Dear" not in zh.body
    assert "Dear" in en.body and GREETING_ZH not in en.body


def test_an_appeal_filed_is_told_in_the_citizens_language(two_readers, report):
    chinese, _ = two_readers
    event = report(chinese, "drunk_driving_conviction").event
    appeal_file(event=event, grounds="我没有开车。", by="clerk", now=FILED)
    notice = Notice.objects.get(citizen=chinese, kind="appeal_filed")
    assert GREETING_ZH in notice.body and "Your appeal" not in notice.subject
