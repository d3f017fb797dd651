"""The PDF statement: every page says which page of how many."""
import re
import shutil
import subprocess

import pytest

from statements.pdf import statement_pdf
from statements.selectors import citizen_statement


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
def test_every_page_says_page_x_of_y(record, tmp_path):
    path = tmp_path / "statement.pdf"
    path.write_bytes(statement_pdf(citizen_statement(citizen=record)))
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 2, "the record fills more than one page"
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"— page {number} of {len(pages)}\b", page), page[-300:]
