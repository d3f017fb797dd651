"""Which font the PDF statement uses, so that Chinese names render.

An embedded TrueType font is preferred (any PDF reader shows it): the first file found in
``settings.STATEMENT_PDF_FONTS`` (default: WenQuanYi Micro Hei or Zen Hei, Droid Sans Fallback from
Debian's font packages; ``scripts/install-system-deps`` installs fonts-wqy-microhei). Without one,
ReportLab's built-in CID font STSong-Light is used: it needs no file but is not embedded, so
readers without Adobe's Asian font support may substitute it.
"""
import functools
from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

DEFAULT_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
EMBEDDED = "StatementCJK"
CID_FALLBACK = "STSong-Light"


@functools.cache
def statement_font() -> str:
    """Register (once) and return the name of the font to draw statements with."""
    for candidate in getattr(settings, "STATEMENT_PDF_FONTS", None) or DEFAULT_FONT_FILES:
        if Path(candidate).is_file():
            pdfmetrics.registerFont(TTFont(EMBEDDED, candidate, subfontIndex=0))
            return EMBEDDED
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CID_FALLBACK
