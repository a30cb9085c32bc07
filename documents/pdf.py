"""The documents as PDFs in Chinese (issue 14, item 5): ReportLab with its
CID font STSong-Light (Adobe's Song font, which every PDF reader carries, so
nothing is installed or embedded) and `invariant=1`: the same content gives
the same bytes. The layout is the content's (documents.content), the same
the print view shows."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=10, textColor=colors.HexColor("#555555"))
HEADING = ParagraphStyle("heading", parent=BODY, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
TITLE = ParagraphStyle("title", parent=BODY, fontSize=17, leading=22, alignment=1, spaceAfter=2)
GRID = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
])
WIDTH = A4[0] - 30 * mm


# STSong-Light has no U+00B7 (the middle dot between a name and its phone, a
# product and its model): viewers draw a box. The katakana middle dot looks the same.
_NO_GLYPH = str.maketrans({"\u00b7": "\u30fb"})


def _glyphs(text) -> str:
    return str(text).translate(_NO_GLYPH)


def _p(text, style=BODY):
    return Paragraph(escape(_glyphs(text)).replace("\n", "<br/>"), style)


def _image(name: str, max_w: float, max_h: float):
    if not name or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as f:
        data = io.BytesIO(f.read())
    image = Image(data)
    scale = min(max_w / image.imageWidth, max_h / image.imageHeight, 1)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    return image


def _text_width(text) -> int:
    """Half-widths: a Chinese character takes two, a Latin one one."""
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in str(text))


def _widths(rows: list[list]) -> list[float]:
    """Columns as wide as their longest text (within bounds), filling the page."""
    columns = max(len(r) for r in rows)
    weights = [min(max((_text_width(r[i]) for r in rows if i < len(r)), default=4), 40) + 3
               for i in range(columns)]
    return [WIDTH * w / sum(weights) for w in weights]


def _section(section: dict) -> list:
    flow = [_p(section["title"], HEADING)]
    if section.get("rows"):
        table = Table([[_p(label), _p(value)] for label, value in section["rows"]],
                      colWidths=[40 * mm, WIDTH - 40 * mm])
        table.setStyle(GRID)
        flow.append(table)
    if section.get("table"):
        head = [_p(h) for h in section.get("head", [])]
        rows = [[_p(c) for c in row] for row in section["table"]]
        table = Table([head, *rows] if head else rows, repeatRows=1 if head else 0,
                      colWidths=_widths([section.get("head", []), *section["table"]]))
        table.setStyle(GRID)
        if head:
            table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
        flow.append(table)
    if section.get("images"):
        per_row, cell = 3, WIDTH / 3
        cells = []
        for shown in section["images"]:
            image = _image(shown["name"], cell - 6 * mm, 40 * mm)
            cells.append([image or _p("—"), _p(shown["caption"], SMALL)])
        rows = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
        rows = [r + [""] * (per_row - len(r)) for r in rows]
        flow.append(Table(rows, colWidths=[cell] * per_row))
    signature = section.get("signature")
    if signature and signature.get("image"):
        image = _image(signature["image"], 70 * mm, 30 * mm)
        if image is not None:
            flow.append(image)
    return [KeepTogether(flow[:2]), *flow[2:]]


def render(content: dict, content_sha256: str) -> bytes:
    """The PDF of a document's content; the same content gives the same bytes."""
    with translation.override(settings.SERVICEDESK.get("DOCUMENT_LANGUAGE", "zh-hans")):
        return _render(content, content_sha256)


def _render(content: dict, content_sha256: str) -> bytes:
    buffer = io.BytesIO()
    footer = _glyphs(_("Work order %(number)s · SHA-256 of the content %(sha)s") % {
        "number": content["number"], "sha": content_sha256})

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.drawString(15 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, _("Page %(n)d") % {"n": doc.page})
        canvas.restoreState()

    doc = SimpleDocTemplate(buffer, pagesize=A4, invariant=1, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=18 * mm, title=f"{content['title']} {content['number']}",
                            author=_("Service Desk"), creator="servicedesk", producer="servicedesk")
    story = [_p(content["title"], TITLE), _p(f"{content['number']} · {content['customer']}", SMALL), Spacer(1, 4)]
    for section in content["sections"]:
        story += _section(section)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
