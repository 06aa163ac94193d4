"""The regulator's report as an XLSX workbook (openpyxl), and the file names of both formats.

Sheet one holds the rows: a frozen header row, an autofilter over every column, widths
that fit, dates as real dates and quantities as numbers. Sheet two says what the report
is: the query, the tree size and root hash it was made against, when, and the time zone
rule. Text cells are escaped like the CSV's, so that no cell is ever a formula.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ledger.core.report import COLUMNS, Lang, Report, cells, escape_formula, headers

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_SHEET_NAMES = {
    "zh": ("追溯记录", "说明"),
    "en": ("Records", "About"),
    "both": ("追溯记录 Records", "说明 About"),
}
# Control characters other than tab, line feed and carriage return cannot be stored in XLSX.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text(value: str) -> str:
    return escape_formula(_ILLEGAL.sub("\ufffd", value))


def xlsx_bytes(report: Report, lang: Lang) -> bytes:
    """The report as an XLSX workbook."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    records, about = _SHEET_NAMES[lang]
    sheet.title = records
    sheet.append([_text(h) for h in headers(lang)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in report.rows:
        values = []
        for value in cells(row, lang):
            if isinstance(value, datetime):
                values.append(value.isoformat())  # aware times keep their offset as text
            elif isinstance(value, str):
                values.append(_text(value))
            else:
                values.append(value)
        sheet.append(values)
    for position, column in enumerate(COLUMNS, 1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = column.width
        if column.key in ("date", "harvest_date"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A1:{last}{max(len(report.rows) + 1, 1)}"

    info = book.create_sheet(about)
    for label, value in report.about(lang):
        info.append([_text(label), _text(value)])
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 100
    for (cell,) in info.iter_rows(min_col=1, max_col=1):
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(report: Report, extension: str) -> str:
    """An ASCII file name saying what the report is of and at which tree size."""
    query = report.query
    if query.lot is not None:
        subject = "lot-" + query.lot.split("/01/", 1)[-1].replace("/10/", "-")
    else:
        subject = f"gtin-{query.gtin}"
    if query.start is not None or query.end is not None:
        subject += f"_{query.start or ''}_{query.end or ''}"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", subject)[:120]
    return f"traceability-{safe}-size{report.tree_size}.{extension}"
