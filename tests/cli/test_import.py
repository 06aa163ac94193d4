"""``ledger import``: real CSV files, as a template downloads and as Excel saves them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger import samples as ex
from ledger.core.batch import BOM, template
from ledger.core.form_fields import FORMS
from tests.cli.test_cli import ok

GTIN = ex.PADDY_GTIN
HEADER = "time,lot,quantity,plot,harvest_date,variety"


def lot(name: str) -> str:
    return f"https://id.gs1.org/01/{GTIN}/10/{name}"


ROWS = [
    f"2024-09-25 18:00,{lot('B-1')},1200,plot-07,2024-09-25,五优稻4号",
    # The plot is left empty under a row that has one: it is the plot above.
    f"2024-09-26T09:30:00+08:00,{lot('B-2')},800.5,,2024-09-26,",
]


def write(path: Path, lines: list[str], *, bom: bool = False, crlf: bool = False) -> Path:
    end = "\r\n" if crlf else "\n"
    path.write_bytes(((BOM if bom else "") + end.join(lines) + end).encode("utf-8"))
    return path


def sizes(run: Any) -> int:
    out = ok(run("verify"))
    return int(out.split("ok: ", 1)[1].split(" ", 1)[0])


def test_a_template_filled_in_excel_imports_and_a_rerun_adds_nothing(
    run: Any, farm: Path, tmp_path: Path
) -> None:
    # Excel keeps the BOM, the label row and writes CRLF; an empty row at the end.
    filled = template(FORMS["harvest"]).rstrip("\r\n").split("\r\n")
    names = filled[0].removeprefix(BOM).split(",")
    values = [dict(zip(HEADER.split(","), r.split(","), strict=True)) for r in ROWS]
    body = [",".join(v.get(n, "") for n in names) for v in values]
    path = write(tmp_path / "harvest.csv", [*filled, *body, "," * (len(names) - 1)], crlf=True)
    assert path.read_bytes().startswith(BOM.encode())
    before = sizes(run)
    first = ok(run("import", str(path), "--form", "harvest", "--key", "farm"))
    lines = first.splitlines()
    assert lines[0].startswith(f"line 3: time=2024-09-25 18:00, lot={lot('B-1')}, quantity=1200")
    assert any(line.startswith("line 3: appended as entry ") for line in lines), first
    assert any(line.startswith("line 4: appended as entry ") for line in lines), first
    assert sizes(run) == before + 2
    again = ok(run("import", str(path), "--form", "harvest", "--key", "farm"))
    assert again.count("already in the log as entry") == 2, again
    assert sizes(run) == before + 2
    # The second row's empty plot was the first row's; its time was the row's own.
    entries = [json.loads(ok(run("show", str(i))).split("\n", 1)[1]) for i in (before, before + 1)]
    texts = [json.dumps(e, ensure_ascii=False) for e in entries]
    assert all(f"{ex.FARM_GLN}" in t and "plot-07" in t for t in texts)
    assert "2024-09-25T18:00:00" in texts[0] and '"tl:harvestDate": "2024-09-26"' in texts[1]


@pytest.mark.parametrize("bom", [False, True])
def test_a_plain_file_with_or_without_a_bom(
    run: Any, farm: Path, tmp_path: Path, bom: bool
) -> None:
    path = write(tmp_path / "h.csv", [HEADER, ROWS[0]], bom=bom)
    out = ok(run("import", str(path), "--form", "harvest", "--key", "farm"))
    assert "line 2: appended as entry" in out


def test_a_bad_row_names_its_line_and_field_and_nothing_is_stored(
    run: Any, farm: Path, tmp_path: Path
) -> None:
    rows = [HEADER, ROWS[0], f",{lot('B-3')},lots,plot-07,2024-09-27,", ROWS[1]]
    path = write(tmp_path / "bad.csv", rows, crlf=True)
    before = sizes(run)
    result = run("import", str(path), "--form", "harvest", "--key", "farm")
    assert result.exit_code == 1, result.output
    assert "line 3, field time: time is required (form_missing)" in result.stdout
    assert "line 3, field quantity: quantity: 'lots' is not a number (form_bad_value)" in (
        result.stdout
    )
    assert "line 2, field" not in result.stdout and "line 4, field" not in result.stdout
    assert "nothing was signed or sent" in result.stdout
    assert "appended" not in result.stdout
    assert sizes(run) == before


def test_a_column_that_is_not_a_field_and_a_missing_time_column(
    run: Any, farm: Path, tmp_path: Path
) -> None:
    path = write(tmp_path / "cols.csv", ["lot,quantity,plot,colour", f"{lot('X')},1,plot-07,red"])
    result = run("import", str(path), "--form", "harvest", "--key", "farm")
    assert result.exit_code == 1
    assert "line 1, field colour: colour is not a field of the form harvest" in result.stdout
    assert "line 1, field time: a batch gives each row's time" in result.stdout


def test_dry_run_signs_nothing(run: Any, farm: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", [HEADER, *ROWS])
    before = sizes(run)
    out = ok(run("import", str(path), "--form", "harvest", "--key", "farm", "--dry-run"))
    assert "2 rows read of form harvest, no errors" in out and "dry run" in out
    assert sizes(run) == before


def test_a_form_the_actors_role_may_not_post(run: Any, farm: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", ["time,objects", "2024-09-25 18:00,x"])
    result = run("import", str(path), "--form", "loading", "--key", "farm")
    assert result.exit_code == 2
    assert result.stderr.startswith("error [role_not_permitted]: ")


def test_import_over_http_is_idempotent(run: Any, farm: Path, server: str, tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", [HEADER, *ROWS], bom=True, crlf=True)
    before = sizes(run)
    first = ok(run("import", str(path), "--form", "harvest", "--key", "farm", "--url", server))
    assert first.count("appended as entry") == 2, first
    again = ok(run("import", str(path), "--form", "harvest", "--key", "farm", "--url", server))
    assert again.count("already in the log as entry") == 2, again
    assert sizes(run) == before + 2
    ok(run("keys", "new", "stranger"))
    result = run("import", str(path), "--form", "harvest", "--key", "stranger", "--url", server)
    assert result.stderr.startswith("error [unknown_key]: "), result.output


def test_a_row_longer_than_the_header_is_an_error(run: Any, farm: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "long.csv", [HEADER, ROWS[0] + ",surplus"])
    result = run("import", str(path), "--form", "harvest", "--key", "farm")
    assert result.exit_code == 1
    assert "line 2: the row has more cells than the header (form_unknown_field)" in result.stdout
    assert "1 row read, 1 with errors" in result.stdout
