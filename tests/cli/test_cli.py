"""The ``ledger`` command line, driven through click's CliRunner on a temporary database."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from werkzeug.serving import make_server

from ledger import samples as ex
from ledger.cli import main
from ledger.core.checkpoint import parse_checkpoint
from ledger.core.errors import NotFoundError
from ledger.core.note import NoteVerifier, open_note
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine
from web import create_app

PASSPHRASE = "correct horse battery staple"
ORIGIN = "ledger.example/cli-test"
FARM = ex.ACTORS["wuchang-coop"]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment every command runs in: a fresh database and keystore."""
    for name in ("LEDGER_OPERATOR_KEY", "LEDGER_MAX_BODY"):
        monkeypatch.delenv(name, raising=False)
    return {
        "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "LEDGER_KEYSTORE": str(tmp_path / "keys"),
        "LEDGER_PASSPHRASE": PASSPHRASE,
    }


@pytest.fixture
def run(env: dict[str, str]) -> Any:
    """Run ``ledger ARGS...``; the result keeps stdout and stderr apart."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, **overrides: str | None) -> Result:
        result = runner.invoke(main, list(args), env={**env, **overrides}, input=input)
        assert "Traceback" not in result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def fails(result: Result, code: str) -> str:
    """The command failed with ``error [code]: ...`` on stderr and exit status 2."""
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error [{code}]: "), result.stderr
    return result.stderr


@pytest.fixture
def vkey(run: Any) -> str:
    """An initialised ledger; the operator's verifier key."""
    out = ok(run("init", "--origin", ORIGIN))
    return out.strip().splitlines()[-1]


@pytest.fixture
def farm(run: Any, vkey: str, tmp_path: Path) -> Path:
    """The farm actor with a key named ``farm``; a harvest event file to post."""
    ok(
        run(
            "actor",
            "register",
            "--actor",
            "wuchang-coop",
            "--name",
            FARM["name"],
            "--name-en",
            "Wuchang Daohuaxiang Rice Growers' Cooperative",
            "--role",
            "farm",
            "--region",
            FARM["region"],
            "--gln",
            FARM["gln"],
        )
    )
    ok(run("keys", "new", "farm"))
    ok(run("actor", "add-key", "--actor", "wuchang-coop", "--key", "farm"))
    path = tmp_path / "harvest.json"
    path.write_text(json.dumps(ex.harvest(), ensure_ascii=False), encoding="utf-8")
    return path


# -- keys -------------------------------------------------------------------------------------


def test_keys_new_list_show_never_print_the_private_key(run: Any, env: dict[str, str]) -> None:
    assert "no keys in" in ok(run("keys", "list"))
    created = ok(run("keys", "new", "alice"))
    document = json.loads((Path(env["LEDGER_KEYSTORE"]) / "alice.key").read_text())
    assert document["key_id"] in created and document["public_key"] in created
    listed = ok(run("keys", "list"))
    assert listed.split("\t")[:2] == ["alice", document["key_id"]]
    shown = ok(run("keys", "show", "alice"))
    assert document["public_key"] in shown and document["key_id"] in shown
    for output in (created, listed, shown):
        assert document["sealed_seed"] not in output
        assert "seed" not in output.lower()
    fails(run("keys", "new", "alice"), "key_exists")
    fails(run("keys", "show", "bob"), "no_such_key")
    fails(run("keys", "new", "Bad Name"), "bad_key_name")


def test_passphrase_is_prompted_without_echo(run: Any) -> None:
    result = run("keys", "new", "carol", input="s3cret\ns3cret\n", LEDGER_PASSPHRASE=None)
    ok(result)
    assert "s3cret" not in result.output
    # An empty answer is asked again (click), never taken as "no passphrase".
    assert run("keys", "new", "dave", input="\n\n", LEDGER_PASSPHRASE=None).exit_code != 0
    fails(run("keys", "show", "dave"), "no_such_key")


# -- init, registry, posting ------------------------------------------------------------------


def test_init_creates_key_ledger_and_checkpoint(run: Any, env: dict[str, str], vkey: str) -> None:
    verifier = NoteVerifier.parse(vkey)
    assert verifier.name == ORIGIN
    assert "operator" in ok(run("keys", "list"))
    # Running it again changes nothing.
    assert ok(run("init", "--origin", ORIGIN)).strip().splitlines()[-1] == vkey
    fails(run("init", "--origin", "other.example/log"), "ledger_exists")
    note = ok(run("checkpoint"))
    assert parse_checkpoint(open_note(note, [verifier]).text).size == 1


def test_wrong_passphrase(run: Any, vkey: str) -> None:
    fails(run("checkpoint", LEDGER_PASSPHRASE="wrong"), "wrong_passphrase")


def test_only_the_operator_key_signs_checkpoints(run: Any, vkey: str) -> None:
    ok(run("keys", "new", "not-the-operator"))
    fails(run("checkpoint", "--operator-key", "not-the-operator"), "wrong_operator_key")


def test_commands_need_an_initialised_database(run: Any) -> None:
    fails(run("verify"), "not_initialised")
    fails(run("show", "0"), "not_initialised")


def test_register_post_show_checkpoint(run: Any, vkey: str, farm: Path) -> None:
    posted = ok(run("post", str(farm), "--key", "farm"))
    assert posted.startswith("appended as entry 3 ")
    assert ok(run("post", str(farm), "--key", "farm")).startswith("already in the log as entry 3 ")

    shown = ok(run("show", "3"))
    header, _, body = shown.partition("\n")
    assert header.startswith("entry 3, entry hash ")
    entry = json.loads(body)
    assert entry["index"] == 3
    assert entry["statement"]["kind"] == "event"
    assert entry["statement"]["payload"] == ex.harvest()
    shown = ok(run("show", "1"))
    assert FARM["name"] in shown  # Chinese text printed as itself
    assert "Wuchang Daohuaxiang Rice Growers' Cooperative" in shown  # --name-en: name_en

    verifier = NoteVerifier.parse(vkey)
    checkpoint = parse_checkpoint(open_note(ok(run("checkpoint")), [verifier]).text)
    assert checkpoint.size == 4


def test_add_key_by_public_key_and_revoke(run: Any, farm: Path) -> None:
    ok(run("keys", "new", "farm2"))
    assert len(ok(run("keys", "list")).splitlines()) == 3  # operator, farm, farm2
    info = ok(run("keys", "show", "farm2")).splitlines()
    key_id = info[1].split()[-1]
    public_key = info[2].split()[-1]
    added = ok(run("actor", "add-key", "--actor", "wuchang-coop", "--public-key", public_key))
    assert key_id in added
    ok(
        run(
            "actor",
            "revoke-key",
            "--actor",
            "wuchang-coop",
            "--key-id",
            key_id,
            "--effective",
            "now",
            "--reason",
            "phone lost",
        )
    )
    fails(run("post", str(farm), "--key", "farm2"), "key_revoked")
    fails(
        run(
            "actor",
            "revoke-key",
            "--actor",
            "wuchang-coop",
            "--key-id",
            key_id,
            "--effective",
            "2024-01-01T00:00:00+08:00",
            "--reason",
            "again",
        ),
        "key_already_revoked",
    )


def test_rejections_are_one_line_errors(run: Any, farm: Path, tmp_path: Path) -> None:
    ok(run("keys", "new", "stranger"))
    fails(run("post", str(farm), "--key", "stranger"), "unknown_key")
    future = tmp_path / "future.json"
    future.write_text(json.dumps(ex.harvest(time="2999-01-01T00:00:00+08:00")))
    fails(run("post", str(future), "--key", "farm"), "event_in_future")
    array = tmp_path / "array.json"
    array.write_text("[1, 2]")
    fails(run("post", str(array), "--key", "farm"), "wrong_type")
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "ObjectEvent", "type": "ObjectEvent"}')
    fails(run("post", str(broken), "--key", "farm"), "duplicate_member")
    fails(run("show", "99"), "no_such_entry")
    fails(
        run(
            "actor",
            "register",
            "--actor",
            "wuchang-coop",
            "--name",
            "x",
            "--role",
            "farm",
            "--region",
            "x",
            "--gln",
            ex.MILL_GLN,
        ),
        "actor_exists",
    )
    fails(
        run(
            "actor",
            "register",
            "--actor",
            "new-farm",
            "--name",
            "x",
            "--role",
            "farm",
            "--region",
            "x",
            "--gln",
            "6901234000017",
        ),
        "bad_check_digit",
    )
    fails(run("actor", "add-key", "--actor", "wuchang-coop", "--public-key", "abc"), "bad_base64")


def test_usage_errors(run: Any, farm: Path) -> None:
    assert run("actor", "add-key", "--actor", "wuchang-coop").exit_code == 2
    assert (
        run("actor", "add-key", "--actor", "x", "--key", "farm", "--public-key", "x").exit_code == 2
    )
    bad_time = run(
        "actor",
        "revoke-key",
        "--actor",
        "wuchang-coop",
        "--key-id",
        "0" * 32,
        "--effective",
        "yesterday",
        "--reason",
        "x",
    )
    assert bad_time.exit_code == 2 and "ISO 8601" in bad_time.output
    no_offset = run(
        "actor",
        "revoke-key",
        "--actor",
        "wuchang-coop",
        "--key-id",
        "0" * 32,
        "--effective",
        "2024-01-01T00:00:00",
        "--reason",
        "x",
    )
    assert no_offset.exit_code == 2 and "offset" in no_offset.output
    assert (
        run(
            "actor",
            "register",
            "--actor",
            "a1",
            "--name",
            "x",
            "--role",
            "wizard",
            "--region",
            "x",
            "--gln",
            ex.LAB_GLN,
        ).exit_code
        == 2
    )
    assert run("show", "-1").exit_code == 2


# -- auditing ---------------------------------------------------------------------------------


def test_export_verify_reindex(run: Any, vkey: str, farm: Path, tmp_path: Path) -> None:
    ok(run("post", str(farm), "--key", "farm"))
    ok(run("checkpoint"))
    target = tmp_path / "export.jsonl"
    assert "exported 4 entries" in ok(run("export", str(target)))
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {
        "type": "header",
        "format": "traceledger-export",
        "v": 1,
        "origin": ORIGIN,
        "verifier_key": vkey,
        "tree_size": 4,
    }
    assert [line["index"] for line in lines if line["type"] == "entry"] == [0, 1, 2, 3]
    assert any(line["type"] == "checkpoint" for line in lines)
    assert not (tmp_path / "export.jsonl.partial").exists()

    assert ok(run("verify")).startswith("ok: 4 entries, ")
    assert ok(run("reindex")).strip() == "reindexed 4 entries"
    assert ok(run("verify")).startswith("ok: 4 entries, ")


def test_verify_names_every_tampered_entry(run: Any, env: dict[str, str], farm: Path) -> None:
    ok(run("post", str(farm), "--key", "farm"))
    database = env["LEDGER_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        leaf = conn.execute("SELECT leaf FROM log_entries WHERE idx = 3").fetchone()[0]
        conn.execute(
            "UPDATE log_entries SET leaf = ? WHERE idx = 3", (leaf.replace(b"12000", b"19000"),)
        )
    result = run("verify")
    assert result.exit_code == 1
    failures = result.stdout.splitlines()
    assert failures and all(line.startswith(("entry ", "log: ")) for line in failures)
    assert any(line.startswith("entry 3: ") for line in failures)
    assert "FAILED" in result.stderr


# -- talking to a server ----------------------------------------------------------------------


@pytest.fixture
def server(env: dict[str, str], vkey: str) -> Iterator[str]:
    """The web app on the same database, served on a loopback port."""
    engine = make_engine(env["LEDGER_DATABASE_URL"])
    app = create_app({"TESTING": True, "LEDGER": Ledger(engine)})
    httpd = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()
    engine.dispose()


def test_post_to_a_server(run: Any, server: str, tmp_path: Path) -> None:
    ok(
        run(
            "actor",
            "register",
            "--actor",
            "wuchang-coop",
            "--name",
            FARM["name"],
            "--role",
            "farm",
            "--region",
            FARM["region"],
            "--gln",
            FARM["gln"],
            "--url",
            server,
        )
    )
    ok(run("keys", "new", "farm"))
    ok(run("actor", "add-key", "--actor", "wuchang-coop", "--key", "farm", "--url", server + "/"))
    event = tmp_path / "harvest.json"
    event.write_text(json.dumps(ex.harvest()))
    assert ok(run("post", str(event), "--key", "farm", "--url", server)).startswith(
        "appended as entry 3 "
    )
    assert ok(run("post", str(event), "--key", "farm", "--url", server)).startswith(
        "already in the log as entry 3"
    )
    ok(run("keys", "new", "stranger"))
    assert "not registered" in fails(
        run("post", str(event), "--key", "stranger", "--url", server), "unknown_key"
    )
    assert ok(run("verify")).startswith("ok: 4 entries")


def test_unreachable_or_wrong_server(run: Any, farm: Path, server: str) -> None:
    fails(run("post", str(farm), "--key", "farm", "--url", "http://127.0.0.1:9"), "unreachable")
    fails(run("post", str(farm), "--key", "farm", "--url", server + "/elsewhere"), "not_found")


# -- serve and extension ----------------------------------------------------------------------


def test_serve_builds_the_app_from_the_options(
    run: Any, vkey: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_run(app: Any, **kwargs: Any) -> None:
        calls.append({"app": app, **kwargs})

    monkeypatch.setattr("flask.Flask.run", fake_run)
    ok(run("serve", "--port", "8123"))
    [call] = calls
    assert (call["host"], call["port"]) == ("127.0.0.1", 8123)
    ledger = call["app"].extensions["ledger"]
    assert ledger.operator.vkey == vkey
    assert ledger.signer is not None  # LEDGER_PASSPHRASE was set
    ledger.engine.dispose()

    result = run("serve", LEDGER_PASSPHRASE=None)
    assert "no checkpoints are signed" in result.stderr
    calls[-1]["app"].extensions["ledger"].engine.dispose()


def test_another_command_joins_in_one_line(run: Any) -> None:
    """As ``ledger demo`` will: one add_command, and its LedgerErrors are reported alike."""

    @click.command()
    def hello() -> None:
        raise NotFoundError("nobody is here", code="nobody")

    main.add_command(hello)
    try:
        fails(run("hello"), "nobody")
    finally:
        main.commands.pop("hello")


def test_console_user_add_asks_the_password_twice_and_stores_an_argon2id_hash(
    run: Any, vkey: str, env: dict[str, str]
) -> None:
    password = "a long console password"
    out = ok(run("console-user", "add", "operator-1", input=f"{password}\n{password}\n"))
    assert "'operator-1' created" in out
    assert password not in out
    ledger = Ledger(make_engine(env["LEDGER_DATABASE_URL"]))
    try:
        assert (ledger.accounts().password_hash("operator-1") or "").startswith("$argon2id$")
        assert ledger.accounts().authenticate("operator-1", password) is not None
    finally:
        ledger.engine.dispose()
    fails(
        run("console-user", "add", "operator-1", input=f"{password}\n{password}\n"),
        "account_exists",
    )
    fails(run("console-user", "add", "operator-2", input="short\nshort\n"), "weak_password")
    fails(
        run("console-user", "add", "Operator 3", input=f"{password}\n{password}\n"),
        "bad_account_name",
    )


def test_the_demo_announces_its_console_account_and_makes_it_once(
    run: Any, env: dict[str, str]
) -> None:
    from ledger import demo

    first = ok(run("demo", "--no-serve", "--port", "8123"))
    assert (
        f"http://127.0.0.1:8123/console/   (account {demo.CONSOLE_ACCOUNT!r}, "
        f"INSECURE demo password {demo.CONSOLE_PASSWORD!r})"
    ) in first
    ok(run("demo", "--no-serve"))  # a second run keeps the account as it is
    ledger = Ledger(make_engine(env["LEDGER_DATABASE_URL"]))
    try:
        assert ledger.accounts().authenticate(demo.CONSOLE_ACCOUNT, demo.CONSOLE_PASSWORD)
    finally:
        ledger.engine.dispose()


def test_the_demo_stores_the_lab_reports_its_inspections_cite(
    run: Any, env: dict[str, str], tmp_path: Path
) -> None:
    from ledger import demo
    from ledger.service.documents import DocumentStore

    assert "Lab reports:" in ok(run("demo", "--no-serve"))
    store = DocumentStore(tmp_path / "documents")  # beside the SQLite file
    cited = [
        p["tl:inspection"]["reportSha256"]
        for _, p in demo.chain_events()
        if p["bizStep"] == "inspecting"
    ]
    assert len(cited) == 3
    for sha256 in cited:
        assert store.get(sha256).media_type == "application/pdf"
    assert "(0 new)" in ok(run("demo", "--no-serve"))


def test_trace_a_bag_back_to_its_field(run: Any) -> None:
    import json as json_module

    from ledger import demo

    ok(run("demo", "--no-serve"))
    bag = "https://id.gs1.org" + demo.sample_unit_path()
    printed = ok(run("trace", bag, "--direction", "backward"))
    assert printed.startswith("backward from https://id.gs1.org/01/06901234000122/21/100071")
    assert "/254/plot-" in printed
    graph = json_module.loads(ok(run("trace", bag, "--direction", "backward", "--json")))
    assert graph["complete"] and graph["edges"]
    fails(run("trace", "https://id.gs1.org/01/06901234000122/10/NOPE"), "unknown_object")
    fails(run("trace", "not a link"), "bad_identifier")


def test_report_of_a_lot_and_of_a_product(
    run: Any, env: dict[str, str], demo_template: tuple[Path, Path], tmp_path: Path
) -> None:
    import shutil

    from openpyxl import load_workbook

    shutil.copyfile(demo_template[0], env["LEDGER_DATABASE_URL"].removeprefix("sqlite:///"))
    paddy = "https://id.gs1.org/01/06901234000108/10/WC26-P07"
    out = tmp_path / "paddy.csv"
    printed = ok(run("report", "--lot", paddy, "--lang", "en", "-o", str(out)))
    assert printed.startswith("4 rows of 1 lot(s) as of tree size ")
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[1].split(",")[2] == "Harvesting"
    book = tmp_path / "rice.xlsx"
    args = ("--product", "06901234000115", "--from", "2026-10-01", "--to", "2026-11-01")
    ok(run("report", *args, "--lang", "zh", "-o", str(book)))
    sheet = load_workbook(book).worksheets[0]
    assert [c.value for c in sheet[1]][2] == "关键追溯事件"
    assert {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"加工转化"}
    fails(run("report", "--product", "06901234000115", "-o", str(book)), "bad_date_range")
    fails(run("report", "--lot", paddy + "X", "-o", str(out)), "unknown_object")
    fails(run("report", "-o", str(out)), "bad_option")
