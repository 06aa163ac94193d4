"""Batch entry from a spreadsheet: a form's CSV template, and its rows read back as payloads.

A template (docs/EVENTS.md section 12) has the form's field names in row 1, the keys an
import reads, and their Chinese labels in row 2, which an import skips when it is the
template's own. Each row becomes one event whose ``eventID`` is a UUIDv5 over the signing
key, the form and the row's values, and whose defaults are taken from the row's own time,
never the clock: the same file signed again gives the same statements, which the log
answers as already there. Pure: the text comes in, the rows go out.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ledger.core.canonical import canonical_bytes
from ledger.core.form_fields import Form
from ledger.core.forms import ActorContext, Built, FormError, build_payload

__all__ = [
    "BOM",
    "EVENT_ID_NAMESPACE",
    "Row",
    "build_rows",
    "event_id",
    "read_rows",
    "template",
    "template_rows",
]

BOM = "\ufeff"  # Excel opens a CSV as UTF-8 (and so shows Chinese) only when it starts so
# The namespace of batch event IDs: uuid5(NAMESPACE_URL, "https://traceledger.org/batch").
EVENT_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://traceledger.org/batch")
TIME_FIELD = "time"  # required in every row: a batch has no "now"


@dataclass(frozen=True)
class Row:
    """One data row of a filled template: its line in the file and the values given."""

    line: int
    values: dict[str, str]


def template_rows(form: Form) -> list[list[str]]:
    """The template's two rows: field names, then Chinese labels with ``*`` and the unit."""
    labels = []
    for spec in form.fields:
        label = spec.label.zh + ("*" if spec.required else "")
        labels.append(label + (f"（{spec.unit}）" if spec.unit else ""))
    return [[spec.name for spec in form.fields], labels]


def template(form: Form) -> str:
    """The template as CSV text, BOM first, CRLF line ends as Excel writes them."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(template_rows(form))
    return BOM + out.getvalue()


def read_rows(text: str, form: Form) -> tuple[list[Row], list[tuple[int, FormError]]]:
    """The data rows of a filled template, and the problems with its header (line 1).

    The BOM, the template's label row and wholly empty rows are skipped."""
    reader = csv.reader(io.StringIO(text.removeprefix(BOM), newline=""))
    header = [name.strip() for name in next(reader, [])]
    problems = [
        (1, FormError("form_unknown_field", name, f"{name} is not a field of the form {form.name}"))
        for name in header
        if form.field(name) is None
    ]
    if TIME_FIELD not in header:
        message = f"a batch gives each row's {TIME_FIELD}: add a column {TIME_FIELD}"
        problems.append((1, FormError("form_missing", TIME_FIELD, message)))
    labels = [cell.strip() for cell in template_rows(form)[1]]
    rows: list[Row] = []
    line = 2
    for raw in reader:
        start, line = line, reader.line_num + 1
        cells = [cell.strip() for cell in raw]
        if not any(cells) or (start == 2 and _is_label_row(header, cells, form, labels)):
            continue
        values = {name: cell for name, cell in zip(header, cells, strict=False) if cell}
        if len(cells) > len(header) and any(cells[len(header) :]):
            values[""] = " ".join(cells[len(header) :])
        rows.append(Row(start, values))
    return rows, problems


def _is_label_row(header: list[str], cells: list[str], form: Form, labels: list[str]) -> bool:
    """Row 2 as the template wrote it, for the columns the file kept."""
    names = [spec.name for spec in form.fields]
    wanted = [labels[names.index(name)] if name in names else "" for name in header]
    return cells[: len(wanted)] == wanted


def event_id(key_id: str, form_name: str, values: Mapping[str, str]) -> str:
    """The row's eventID: UUIDv5 over the RFC 8785 bytes of ``[key ID, form, values]``."""
    name = canonical_bytes([key_id, form_name, dict(values)]).decode("utf-8")
    return f"urn:uuid:{uuid.uuid5(EVENT_ID_NAMESPACE, name)}"


def build_rows(form: Form, rows: list[Row], *, key_id: str, gln: str, local: tzinfo) -> list[Built]:
    """Each row's payload or errors. A row's empty plot is the plot of the row above it,
    as a clerk fills a column top-down; ``local`` is the offset of a time written without one."""
    built, last_plot = [], None
    for row in rows:
        built.append(_build_row(form, row, key_id=key_id, gln=gln, local=local, plot=last_plot))
        last_plot = row.values.get("plot") or last_plot
    return built


def _build_row(
    form: Form, row: Row, *, key_id: str, gln: str, local: tzinfo, plot: str | None
) -> Built:
    """The row's payload, read with the row's own time as "now"."""
    if "" in row.values:
        extra = FormError("form_unknown_field", "", "the row has more cells than the header")
        return Built(None, (extra,))
    written = row.values.get(TIME_FIELD, "")
    now, problem = _row_time(written, local)
    context = ActorContext(gln, event_id(key_id, form.name, row.values), now, plot)
    built = build_payload(form.name, row.values, context)
    if problem is None:
        return built
    # The other fields are still checked, so that one reading shows every error of the row.
    return Built(None, (problem, *(e for e in built.errors if e.field != TIME_FIELD)))


def _row_time(written: str, local: tzinfo) -> tuple[datetime, FormError | None]:
    """The row's time as an aware datetime, or a stand-in and why there is none."""
    if not written:
        problem = FormError("form_missing", TIME_FIELD, f"{TIME_FIELD} is required")
        return datetime(2000, 1, 1, tzinfo=local), problem
    try:
        now = datetime.fromisoformat(written)
    except ValueError:
        message = f"{TIME_FIELD}: {written!r} is not a date and time such as 2024-09-25 18:00"
        return datetime(2000, 1, 1, tzinfo=local), FormError("bad_time", TIME_FIELD, message)
    return (now if now.tzinfo is not None else now.replace(tzinfo=local)), None
