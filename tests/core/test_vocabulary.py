"""The step vocabulary: one source for the policy table, the parser's shapes and the forms."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import samples
from ledger.core.event_parser import parse_event
from ledger.core.form_fields import FORMS, Field, describe
from ledger.core.forms import ActorContext, build_payload, form_values
from ledger.core.policy import ROLES, STEP_ROLES
from ledger.core.vocabulary import ROLE_NAMES, STEPS
from tests.support.profiles import examples

CST = timezone(timedelta(hours=8))
NOW = datetime(2024, 11, 1, 9, 30, tzinfo=CST)
EID = "urn:uuid:00000000-0000-4000-8000-000000000001"
FARM = ActorContext(samples.FARM_GLN, EID, NOW, last_plot="plot-07")

# The form each sample event of the Wuchang chain (docs/EVENTS.md 9) is filled in.
CHAIN_FORMS = (
    "sowing", "fertilising", "spraying", "harvest", "shipping", "receiving", "milling",
    "inspecting", "bagging", "packing", "storing", "shipping", "transporting", "receiving",
    "retail_selling",
)  # fmt: skip


def test_policy_table_is_the_vocabularys() -> None:
    assert dict(STEP_ROLES) == {step: spec.roles for step, spec in STEPS.items()}
    assert set(ROLE_NAMES) == set(ROLES)


def test_every_form_posts_a_known_step_and_every_step_has_a_form() -> None:
    assert {form.biz_step for form in FORMS.values()} == set(STEPS)


@pytest.mark.parametrize(("index", "form"), list(enumerate(CHAIN_FORMS)))
def test_sample_chain_round_trips_through_its_form(index: int, form: str) -> None:
    actor, payload = samples.wuchang_chain()[index]
    context = ActorContext(samples.ACTORS[actor]["gln"], payload["eventID"], NOW)
    built = build_payload(form, form_values(form, payload), context)
    assert built.errors == ()
    assert built.payload == payload


def test_defaults_fill_time_plot_and_date() -> None:
    built = build_payload(
        "harvest", {"lot": "https://id.gs1.org/01/06901234000108/10/L1", "quantity": "500"}, FARM
    )
    assert built.errors == ()
    assert built.payload is not None
    assert built.payload["eventTime"] == "2024-11-01T09:30:00+08:00"
    assert built.payload["eventTimeZoneOffset"] == "+08:00"
    assert built.payload["ilmd"]["tl:plot"] == "https://id.gs1.org/414/6901234000016/254/plot-07"
    assert built.payload["ilmd"]["tl:harvestDate"] == "2024-11-01"
    assert built.payload["quantityList"] == [
        {"epcClass": "https://id.gs1.org/01/06901234000108/10/L1", "quantity": 500, "uom": "KGM"}
    ]


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"product": "x", "dose": "1"}, "form_missing", "active_ingredient"),
        ({"product": "x", "dose": "abc", "active_ingredient": "a", "phi_days": "7"},
         "form_bad_value", "dose"),
        ({"product": "x", "dose": "1", "active_ingredient": "a", "phi_days": "3651"},
         "form_bad_value", "phi_days"),
        ({"product": "x", "dose": "1", "active_ingredient": "a", "phi_days": "7",
          "plot": "6901234000010"}, "bad_check_digit", "plot"),
        ({"product": "x", "dose": "1", "active_ingredient": "a", "phi_days": "7",
          "time": "2024-02-30 08:00"}, "bad_time", "time"),
        ({"product": "x", "dose": "1", "active_ingredient": "a", "phi_days": "7",
          "colour": "red"}, "form_unknown_field", "colour"),
        ({"product": "x", "dose": "1", "active_ingredient": "a", "phi_days": "7",
          "dose_unit": "KGM/HAR/X"}, "form_bad_value", "dose_unit"),
        ({"product": " ", "dose": "1", "active_ingredient": "a", "phi_days": "7",
          "method": "m" * 101}, "form_missing", "product"),
    ],
)  # fmt: skip
def test_bad_values_name_their_field(values: dict[str, str], code: str, field: str) -> None:
    built = build_payload("spraying", values, FARM)
    assert built.payload is None
    assert (code, field) in {(e.code, e.field) for e in built.errors}


def test_a_parser_rule_is_reported_on_the_field_it_concerns() -> None:
    # The form reads the lot as a class identifier; a unit is refused by the identifier kind.
    built = build_payload(
        "inspecting",
        {"objects": "https://id.gs1.org/01/06901234000108/10/L1", "result": "合格",
         "report_sha256": "A" * 64},
        ActorContext(samples.LAB_GLN, EID, NOW),
    )  # fmt: skip
    assert built.payload is None
    assert [(e.code, e.field) for e in built.errors] == [("bad_identifier", "objects")]


def test_unknown_form() -> None:
    assert build_payload("dancing", {}, FARM).errors[0].code == "unknown_form"


def test_description_is_json_and_names_every_step_in_both_languages() -> None:
    doc = json.loads(json.dumps(describe()))
    assert [s["bizStep"] for s in doc["steps"]] == list(STEPS)
    for form in doc["forms"]:
        assert form["label"]["zh"] and form["label"]["en"]
        assert form["roles"] == sorted(STEPS[form["bizStep"]].roles)
        for field in form["fields"]:
            assert field["kind"] in doc["kinds"]
            assert field["label"]["zh"] and field["label"]["en"]


# ---------------------------------------------------------------------------------------
# Any valid filling of any form builds a payload the parser accepts
# ---------------------------------------------------------------------------------------

_LOT = st.sampled_from(
    ["https://id.gs1.org/01/06901234000108/10/WC24-P07", "https://id.gs1.org/01/06901234000115"]
)
_UNIT = st.sampled_from(
    ["https://id.gs1.org/01/06901234000122/10/WC24-M01/21/000001", "069012340000001006"]
)
_TIME = st.datetimes(datetime(2020, 1, 1), datetime(2024, 10, 31)).map(
    lambda t: t.replace(microsecond=0, tzinfo=CST).isoformat()
)


def _value(spec: Field) -> st.SearchStrategy[str]:
    """Valid text for one field of its kind."""
    if spec.kind == "number":
        bounds = spec.number
        assert bounds is not None
        low = bounds.minimum if bounds.minimum is not None else -1e6
        high = bounds.maximum if bounds.maximum is not None else 1e6
        if bounds.integer:
            return st.integers(int(low), int(high)).map(str)
        numbers = st.decimals(low, high, places=2, allow_nan=False, allow_infinity=False)
        return numbers.filter(lambda d: not bounds.above or d > low).map(str)
    strategies: dict[str, st.SearchStrategy[str]] = {
        "text": st.text("稻米abc 12", min_size=1, max_size=10).map(str.strip).filter(bool),
        "uri": st.just("urn:epc:id:giai:6901234.T1"),
        "sha256": st.text("0123456789abcdef", min_size=64, max_size=64),
        "datetime": _TIME,
        "date": st.dates().map(lambda d: d.replace(year=2020).isoformat()),
        "choice": st.sampled_from([o.value for o in spec.options]),
        "place": st.sampled_from(["plot-07", "6901234000016", "cold-store-2"]),
        "party": st.sampled_from(["6901234000023", "https://id.gs1.org/417/6901234000061"]),
        "lot": _LOT,
        "product": st.sampled_from(
            ["06901234000108", "6901234000108", "https://id.gs1.org/01/06901234000115"]
        ),
        "object": st.just("069012340000001006"),
        "objects": st.lists(_UNIT, min_size=1, max_size=2, unique=True).map(" ".join),
        "analytes": st.just("cadmium=0.05/0.2 MGKG; lead=0/0.2 MGKG"),
        "readings": st.lists(_TIME.map(lambda t: f"{t}=4.5"), min_size=1, max_size=3).map(
            "; ".join
        ),
    }
    return strategies[spec.kind]


@settings(max_examples=examples(400))
@given(data=st.data(), form=st.sampled_from(sorted(FORMS)))
def test_valid_fillings_build_payloads_the_parser_accepts(data: st.DataObject, form: str) -> None:
    spec = FORMS[form]
    values = {}
    for field in spec.fields:
        if field.required or data.draw(st.booleans()):
            values[field.name] = data.draw(_value(field), label=field.name)
    if form in ("harvest",):  # a harvest date is never after the event's own date
        values["harvest_date"] = values["time"][:10]
    if "objects" in values and spec.biz_step in ("packing", "unpacking"):  # not into itself
        values["objects"] = values["objects"].replace("069012340000001006", "").strip() or (
            "https://id.gs1.org/01/06901234000122/21/9"
        )
    if "band_min" in values and "band_max" in values:  # min <= max: a rule across fields
        low, high = sorted((values["band_min"], values["band_max"]), key=float)
        values["band_min"], values["band_max"] = low, high
    built = build_payload(form, values, FARM)
    # What the form cannot tell apart field by field (the step's object rules) is answered
    # by the parser on a named field; everything else must build.
    for error in built.errors:
        assert error.code in {"missing_field", "duplicate"}, (values, error)
    if built.payload is not None:
        parse_event(built.payload)


def test_every_form_label_reads_as_written_words() -> None:
    # A shared field built with an empty prefix was once labelled " lot" and " quantity".
    from ledger.core.form_fields import FORMS

    for form in FORMS.values():
        for spec in form.fields:
            for text in (spec.label.zh, spec.label.en):
                assert text == text.strip() and text, (form.name, spec.name, text)
            assert spec.label.en[0].isupper(), (form.name, spec.name, spec.label.en)
