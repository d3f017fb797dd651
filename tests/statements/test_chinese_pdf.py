"""A PDF statement made in Chinese shows Chinese text: the embedded CJK font draws it (pdftotext reads it back)."""
import shutil
import subprocess

import pytest
from django.utils import translation

from statements.fonts import EMBEDDED, statement_font
from statements.pdf import statement_pdf
from statements.selectors import citizen_statement

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"),
                                reason="needs pdftotext (poppler-utils): scripts/install-system-deps")


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_chinese_statement_renders_chinese(make_citizen, tmp_path):
    citizen = make_citizen()
    with translation.override("zh-hans"):
        pdf = statement_pdf(citizen_statement(citizen=citizen))
    text = _pdf_text(pdf, tmp_path)
    assert statement_font() == EMBEDDED and b"/FontFile2" in pdf  # the TrueType font travels with the PDF
    assert "测试" in text
    # Service names come from the policy, in the statement's language.
    assert "驾驶证" in text and "公共住房" in text
    assert "Driving licence" not in text


def test_an_english_statement_names_services_in_english(make_citizen, tmp_path):
    citizen = make_citizen()
    with translation.override("en"):
        text = _pdf_text(statement_pdf(citizen_statement(citizen=citizen)), tmp_path)
    assert "测试" in text and "Driving licence" in text and "驾驶证" not in text
