"""A Form (agent/export.py) drawn as a PDF with ReportLab: the only module that imports it.

ReportLab's platypus tables split over pages with the header row repeated, wrap long cells, and
embed a TrueType font that ships inside ReportLab itself (Bitstream Vera), so names with umlauts
and accents print the same on any machine, the Docker image included, without system fonts.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Frame, KeepTogether, PageTemplate, Paragraph, Spacer, Table, TableStyle

from agent.errors import ReboundError
from agent.export import Form

MARGIN = 14 * mm
FONT, BOLD = "ReboundVera", "ReboundVeraBold"


def _fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        # Vera.ttf and VeraBd.ttf are in ReportLab's own fonts folder, which is on its TTF search path.
        pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))


def write_pdf(path: Path, form: Form) -> None:
    """The form as a landscape A4 PDF: title, the lines about who and when, the table, the signature lines."""
    _fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=10.5)
    head = ParagraphStyle("head", parent=body, fontName=BOLD)
    title = ParagraphStyle("title", fontName=BOLD, fontSize=15, leading=19, spaceAfter=4)
    meta = ParagraphStyle("meta", parent=body, fontSize=10, leading=13)
    width = landscape(A4)[0] - 2 * MARGIN

    def cell(text: str, style: ParagraphStyle) -> Paragraph:
        # Strangers' text: escaped, so a company called "<b>" is printed, not obeyed.
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    def story() -> list[Any]:
        table = Table(
            [[cell(h, head) for h in form.header], *[[cell(c, body) for c in row] for row in form.rows]],
            colWidths=[w * width for w in form.widths],
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a8a8a")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4ece9")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        flow: list[Any] = [Paragraph(escape(form.title), title), *[cell(line, meta) for line in form.meta], Spacer(1, 6 * mm), table]
        *notes, signature = form.footer
        # The signature line as a table of its own: its blanks keep their length, which a paragraph would collapse.
        fields = Table([[cell(part.strip(), meta) for part in signature.split("|")]], colWidths=[width / 2] * len(signature.split("|")))
        fields.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 10)]))
        return [*flow, Spacer(1, 8 * mm), KeepTogether([*[cell(line, meta) for line in notes], fields])]

    # Laid out twice: the first time (in memory) counts the pages, for "page 1 of 3".
    counting = _Document(io.BytesIO(), form.page, 0)
    counting.build(story())
    try:
        _Document(str(path), form.page, counting.page).build(story())
    except OSError as exc:
        raise ReboundError(f"cannot write {path}: {exc.strerror or exc}") from exc


class _Document(BaseDocTemplate):  # type: ignore[misc]
    """Landscape A4 with the page number, and the page count once known, at the foot of each page."""

    def __init__(self, target: str | io.BytesIO, page: str, pages: int) -> None:
        super().__init__(target, pagesize=landscape(A4), leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN)
        self.page_words = page
        self.pages = pages
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._number)])

    def _number(self, canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawRightString(self.pagesize[0] - MARGIN, MARGIN / 2, self.page_words.format(page=doc.page, pages=self.pages or doc.page))
        canvas.restoreState()
