"""The EPCIS 2.0 export of a real ledger: the Wuchang chain through the pipeline, then
`write_epcis` for the whole log and for one object, checked entry by entry."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from ledger import demo
from ledger import samples as ex
from ledger.core import epcis
from ledger.core.entries import parse_entry
from ledger.core.errors import NotFoundError, ValidationError
from ledger.core.event_hash import document_prehashes, hash_of_prehash
from ledger.core.statements import sign_statement
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service import epcis_export
from ledger.service.epcis_export import write_epcis
from ledger.service.ledger import Ledger
from tests.core.test_epcis import ledger_hashes, needs_reference, reference_prehashes
from tests.service.test_chain import CHAIN_CLOCK_START, producer_key, register_all
from tests.support.epcis_schema import assert_schema_valid
from tests.support.fixed import ORIGIN, StepClock

CREATED = "2024-12-01T08:00:00.000+08:00"
CASE = "https://id.gs1.org/00/" + ex.CASE_SSCC


@pytest.fixture
def chain_ledger(engine, operator_key) -> Ledger:  # type: ignore[no-untyped-def]
    ledger = Ledger.create(
        engine, operator_key, ORIGIN, clock=StepClock(CHAIN_CLOCK_START), checkpoint_interval=0
    )
    register_all(ledger, operator_key)
    for actor, payload in ex.wuchang_chain():
        ledger.append([sign_statement("event", payload, producer_key(actor))])
    return ledger


def export(ledger: Ledger, **kwargs: Any) -> tuple[int, dict[str, Any], str]:
    out = io.StringIO()
    count = write_epcis(ledger.engine, out, creation_date=CREATED, **kwargs)
    return count, json.loads(out.getvalue()), out.getvalue()


def entry_at(ledger: Ledger, index: int) -> Any:
    return parse_entry(ledger.entries(index, index + 1)[0].leaf)


def test_the_whole_log_exports_as_one_document(chain_ledger: Ledger) -> None:
    count, document, _ = export(chain_ledger)
    chain = ex.wuchang_chain()
    events = document["epcisBody"]["eventList"]
    assert count == len(events) == len(chain)
    assert document["creationDate"] == CREATED and document["schemaVersion"] == "2.0"
    assert [e["eventID"] for e in events] == [payload["eventID"] for _, payload in chain]
    notes = epcis.ledger_annotations(document)
    expected, expected_notes = [], []
    for event, note in zip(events, notes, strict=True):
        # Each event maps back to the entry that holds its signed payload...
        entry = entry_at(chain_ledger, note[epcis.LEDGER_INDEX_MEMBER])
        assert entry.statement.kind == "event"
        assert entry.statement.payload["eventID"] == event["eventID"] == note["eventID"]
        assert event["recordTime"] == entry.time
        # ...and the header gives the GS1 hash of exactly that payload.
        assert note[epcis.EVENT_HASH_MEMBER] == epcis.exported_event_hash(event)
        expected.append(epcis.export_event(entry.statement.payload, record_time=entry.time))
        expected_notes.append(epcis.ledger_annotation(expected[-1], ledger_index=entry.index))
    assert document == epcis.epcis_document(expected, CREATED, expected_notes)
    indexes = [n[epcis.LEDGER_INDEX_MEMBER] for n in notes]
    assert indexes == sorted(indexes) and indexes[0] == 1 + 12  # after genesis and registrations
    assert_schema_valid(document)


def test_one_objects_history(chain_ledger: Ledger) -> None:
    count, document, _ = export(chain_ledger, object_id=CASE)
    events = document["epcisBody"]["eventList"]
    # Packed, stored, shipped, transported, received: every event naming the case.
    naming = [p["eventID"] for _, p in ex.wuchang_chain() if ex.CASE_SSCC in json.dumps(p)]
    assert count == len(naming) == 5
    assert [e["eventID"] for e in events] == naming
    assert [n[epcis.LEDGER_INDEX_MEMBER] for n in epcis.ledger_annotations(document)] == [
        s.index for s in chain_ledger.history(CASE)
    ]
    assert_schema_valid(document)
    # Any valid Digital Link spelling of the case finds the same history.
    _, again, _ = export(chain_ledger, object_id="https://resolver.example/sscc/" + ex.CASE_SSCC)
    assert again == document


def test_paging_does_not_change_the_document(
    chain_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, whole, _ = export(chain_ledger)
    _, case, _ = export(chain_ledger, object_id=CASE)
    monkeypatch.setattr(epcis_export, "PAGE", 2)
    assert export(chain_ledger)[1] == whole
    assert export(chain_ledger, object_id=CASE)[1] == case


def test_it_streams_one_event_at_a_time(chain_ledger: Ledger) -> None:
    writes: list[str] = []

    class Recorder(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return super().write(text)

    count = write_epcis(chain_ledger.engine, Recorder(), creation_date=CREATED)
    # head, one write per event, then the header's annotations and the tail
    assert all(json.loads(w.lstrip(",\n"))["type"] for w in writes[1 : count + 1])
    assert not writes[count + 1].lstrip(",\n").startswith("{")


def test_unknown_objects_and_bad_dates_write_nothing(chain_ledger: Ledger) -> None:
    out = io.StringIO()
    with pytest.raises(NotFoundError) as err:
        write_epcis(
            chain_ledger.engine,
            out,
            object_id="https://id.gs1.org/00/069012340000009996",
            creation_date=CREATED,
        )
    assert err.value.code == "unknown_object"
    with pytest.raises(ValidationError):
        write_epcis(chain_ledger.engine, out, object_id="not a digital link", creation_date=CREATED)
    with pytest.raises(ValueError):
        write_epcis(chain_ledger.engine, out, creation_date="soon")
    assert out.getvalue() == ""


def test_a_ledger_without_events(ledger: Ledger) -> None:
    count, document, _ = export(ledger)
    assert count == 0
    assert document == epcis.epcis_document([], CREATED)
    assert_schema_valid(document)


@needs_reference
def test_reference_agrees_on_the_exported_ledger(chain_ledger: Ledger, tmp_path: Path) -> None:
    # GS1's reference generator run over the exported file as written, unmodified, with
    # its own command line: exactly the ledger's hashes, in order.
    from epcis_event_hash_generator import json_to_py
    from epcis_event_hash_generator.__main__ import epcis_hash_from_file

    _, document, text = export(chain_ledger)
    assert reference_prehashes(document) == document_prehashes(document)
    path = tmp_path / "export.jsonld"
    path.write_text(text, encoding="utf-8")
    json_to_py._namespaces.clear()
    theirs, _ = epcis_hash_from_file(str(path))
    assert theirs == ledger_hashes(document) and len(theirs) == len(ex.wuchang_chain())
    assert [hash_of_prehash(p) for p in reference_prehashes(document)] == theirs


def test_the_demo_season_exports_as_valid_epcis(
    engine: Any, demo_template: tuple[Path, Path]
) -> None:
    # The whole demo ledger, and one plot's, one lot's and one bag's history, against
    # GS1's official EPCIS 2.0 JSON Schema; the reference generator gives the header's
    # hashes from the unmodified document.
    keys = demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)
    season = Ledger.create(engine, keys.operator, demo.ORIGIN)
    demo.build(season, keys)
    count, document, _ = export(season)
    assert count > 50
    assert_schema_valid(document)
    # The farm's mistyped dose is exported with the errorDeclaration of its correction
    # (FORMAT.md 3.8), still valid, its hash unchanged (errorDeclaration is not hashed).
    (declared,) = [e for e in document["epcisBody"]["eventList"] if "errorDeclaration" in e]
    assert declared["eventID"] == demo.CORRECTED_EVENT
    declaration = declared["errorDeclaration"]
    assert declaration["reason"] == "incorrect_data"
    assert declaration["correctiveEventIDs"] == [ex.event_id("2026:plot-08:fert2:corrected")]
    assert "450" in declaration["tl:explanation"]
    steps = {e["bizStep"] for e in document["epcisBody"]["eventList"]}
    assert {"tl:sowing", "tl:fertilising", "tl:spraying", "commissioning"} <= steps
    assert [hash_of_prehash(p) for p in document_prehashes(document)] == ledger_hashes(document)
    gtin, lot = demo.sample_lot()
    for object_id in (
        "https://id.gs1.org/414/6901234000016/254/" + demo.PLOTS[0],
        f"https://id.gs1.org/01/{gtin}/10/{lot}",
        "https://id.gs1.org" + demo.sample_unit_path(),
    ):
        _, one, _ = export(season, object_id=object_id)
        assert one["epcisBody"]["eventList"], object_id
        assert_schema_valid(one)
