"""The monthly report as an Excel workbook (openpyxl) and a PDF in Chinese
(ReportLab with its built-in CID font STSong-Light, the stack the on-site
documents share: no font file to ship)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from complaints.models import Complaint

CATEGORY_LABELS = dict(Complaint.Category.choices)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_FONT = "STSong-Light"


def _percent(value):
    return "—" if value is None else f"{value * 100:.1f}%"


def _measure_table(rows):
    head = [_("Measure"), _("Code"), _("Numerator"), _("Denominator"), _("Rate"), _("Source")]
    return [head] + [[r["label"], r["code"], r["numerator"], r["denominator"], _percent(r["rate"]), r["source"]]
                     for r in rows]


def _complaint_rows(c):
    return ([[_("Class %(n)s") % {"n": k}, v] for k, v in c["by_class"].items()]
            + [[str(CATEGORY_LABELS.get(k, k)), v] for k, v in c["by_category"].items()])


def _sections(report):
    """(title, rows) of the report, shared by the workbook and the PDF."""
    s = report["satisfaction"]
    yield _("Measures"), _measure_table(report["measures"])
    yield _("Satisfaction"), [[_("Responses"), _("Attitude"), _("Skill"), _("Punctuality"), _("Overall")],
                              [s["responses"], s["attitude"], s["skill"], s["punctuality"], s["overall"]]]
    yield _("Complaints by class and kind"), [[_("Group"), _("Complaints")], *_complaint_rows(report["complaints"])]
    for key, title in (("by_station", _("By station")), ("by_category", _("By product category"))):
        codes = [r["code"] for r in report["measures"]]
        labels = [r["label"] for r in report["measures"]]
        rows = [[_("Name"), *labels]]
        for part in report[key]:
            by_code = {r["code"]: r for r in part["measures"]}
            rows.append([part["name"], *(f"{_percent(by_code[c]['rate'])} ({by_code[c]['numerator']}/"
                                         f"{by_code[c]['denominator']})" for c in codes)])
        yield title, rows
    yield _("Most frequent faults"), [[_("Category"), _("Model"), _("Orders")]] + [
        [f["category_name"] or "—", f["model"] or "—", f["orders"]] for f in report["top_faults"]]
    yield _("Repeat repairs"), [[_("Revisit"), _("First repair"), _("Reported at")]] + [
        [r["number"], r["revisit_of_number"], r["reported_at"][:16].replace("T", " ")]
        for r in report["repeat_repairs"]]


def report_title(report) -> str:
    return _("Monthly after-sales report %(month)s") % {"month": report["month"]}


def monthly_xlsx(report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, rows in _sections(report):
        sheet = book.create_sheet(title[:31])
        sheet.append([report_title(report)])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([])
        for row in rows:
            sheet.append(list(row))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def monthly_pdf(report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    h1 = ParagraphStyle("h1", fontName=PDF_FONT, fontSize=16, leading=22, spaceAfter=8)
    h2 = ParagraphStyle("h2", fontName=PDF_FONT, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4)
    cell = ParagraphStyle("cell", fontName=PDF_FONT, fontSize=7.5, leading=9.5)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), title=report_title(report),
                            leftMargin=28, rightMargin=28, topMargin=28, bottomMargin=28)
    story = [Paragraph(report_title(report), h1),
             Paragraph(_("Period: %(first)s to %(last)s") % {"first": report["from"], "last": report["to"]}, cell)]
    for title, rows in _sections(report):
        story += [Paragraph(title, h2)]
        if len(rows) < 2:
            story.append(Paragraph(_("None."), cell))
            continue
        data = [[Paragraph(str("—" if v is None else v), cell) for v in row] for row in rows]
        width = doc.width
        n = len(rows[0])
        # Wide tables (a column per measure): the names get room, the rates share the rest.
        widths = [110] + [(width - 110) / (n - 1)] * (n - 1) if n > 6 else None
        table = Table(data, repeatRows=1, hAlign="LEFT", colWidths=widths)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story += [table, Spacer(1, 4)]
    doc.build(story)
    return out.getvalue()


def monthly_file(report, fmt: str) -> tuple[bytes, str, str]:
    name = f"after-sales-{report['month']}"
    if fmt == "xlsx":
        return monthly_xlsx(report), XLSX, f"{name}.xlsx"
    return monthly_pdf(report), "application/pdf", f"{name}.pdf"
