"""GS1 check digits, keys and Digital Link URIs against the published vectors.

Vectors: tests/vectors/gs1_digital_link/ (see tests/vectors/README.md for provenance).
Every case runs except the two that need ``permit_unknown_ais`` with DL-attribute
validation switched off (the ledger never accepts AIs it does not know), and the
GS1 DL *compression* strings, which are out of scope (only their uncompressed URIs and
AI values are checked).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.core import gs1
from ledger.core.errors import ValidationError

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "gs1_digital_link"
DL = json.loads((VECTORS / "gs1_dl_vectors.json").read_text(encoding="utf-8"))
COMPRESSION = json.loads((VECTORS / "gs1_compression_examples.json").read_text(encoding="utf-8"))
TOOLKIT = json.loads((VECTORS / "gs1_dl_toolkit_readme_examples.json").read_text(encoding="utf-8"))


def _needs_unknown_ais(case: dict) -> bool:
    flags = case.get("flags", {})
    return bool(flags.get("permit_unknown_ais")) and case["valid"]


def _options(case: dict) -> dict[str, bool]:
    flags = case.get("flags", {})
    return {
        "zero_suppressed_gtin": bool(flags.get("permit_zero_suppressed_gtin")),
        "convenience_alphas": bool(flags.get("permit_convenience_alphas")),
    }


# --- gs1-syntax-engine: parse_dl_uri -----------------------------------------------------


@pytest.mark.parametrize("case", DL["parse_dl_uri"], ids=lambda c: c["uri"][:80] or "<empty>")
def test_parse_dl_uri_vectors(case: dict) -> None:
    if _needs_unknown_ais(case):
        pytest.skip("needs permit_unknown_ais: the ledger rejects AIs it does not know")
    if case["valid"]:
        link = gs1.parse_digital_link(case["uri"], **_options(case))
        assert [[e.ai, e.value] for e in link.elements] == case["ai_pairs"]
        assert link.element_string() == case["element_string"]
        assert link.hri() == case["hri"]
    else:
        with pytest.raises(ValidationError) as info:
            gs1.parse_digital_link(case["uri"], **_options(case))
        assert info.value.code in ("bad_identifier", "bad_check_digit")


def test_parse_vectors_skip_only_unknown_ai_cases() -> None:
    skipped = [c for c in DL["parse_dl_uri"] if _needs_unknown_ais(c)]
    assert len(skipped) == 1
    assert len(DL["parse_dl_uri"]) == 120


# --- gs1-syntax-engine: generate_dl_uri --------------------------------------------------


@pytest.mark.parametrize(
    "case", DL["generate_dl_uri"], ids=lambda c: c.get("ai_data", c.get("dl_uri_input"))
)
def test_generate_dl_uri_vectors(case: dict) -> None:
    if _needs_unknown_ais(case):
        pytest.skip("needs permit_unknown_ais: the ledger rejects AIs it does not know")

    def run() -> str:
        if "dl_uri_input" in case:
            # Re-rendering a parsed URI keeps its split between path and query.
            return gs1.parse_digital_link(case["dl_uri_input"]).to_uri(case["stem"])
        elements = gs1.parse_bracketed_ai(case["ai_data"])
        return gs1.build_digital_link(elements, stem=case["stem"])

    if case["valid"]:
        assert run() == case["expected_uri"]
    else:
        with pytest.raises(ValidationError):
            run()


# --- check digits ------------------------------------------------------------------------


@pytest.mark.parametrize("case", DL["check_digits"], ids=lambda c: json.dumps(c)[:70])
def test_check_digit_vectors(case: dict) -> None:
    if "digits" in case:
        assert gs1.has_valid_check_digit(case["digits"]) is case["valid"]
        return
    if "ai_data" in case:

        def run() -> object:
            return gs1.parse_bracketed_ai(case["ai_data"])
    else:

        def run() -> object:
            return gs1.parse_element_string(case["element_string"])

    if case["valid"]:
        run()
    else:
        with pytest.raises(ValidationError) as info:
            run()
        if case.get("error") == "GS1_LINTER_INCORRECT_CHECK_DIGIT":
            assert info.value.code == "bad_check_digit"


def test_compression_vector_check_digit() -> None:
    (case,) = COMPRESSION["check_digit"]
    assert gs1.check_digit(case["value"][:-1]) == case["expected_check_digit"]
    assert gs1.has_valid_check_digit(case["value"]) is case["valid"]


# --- gs1-compression examples (uncompressed forms only) ----------------------------------


@pytest.mark.parametrize("case", COMPRESSION["uri_examples"], ids=lambda c: c["uri"])
def test_compression_uri_examples(case: dict) -> None:
    # Some use DL 1.x names (/gtin/, /lot/, /ser/) and a GTIN-13: accepted on request.
    options = {"zero_suppressed_gtin": True, "convenience_alphas": True}
    if case["ai"].keys() == {"8003", "240"}:
        # gs1-compression does not check AI pairings; GS1's syntax dictionary says (240)
        # needs (01), (02), (8006) or (8026), so with pairing checks on we reject it.
        with pytest.raises(ValidationError, match=r"AI \(240\) needs"):
            gs1.parse_digital_link(case["uri"], **options)
        options["validate_associations"] = False
    link = gs1.parse_digital_link(case["uri"], **options)
    assert {e.ai: e.value for e in link.elements} == case["ai"]
    assert dict(p.split("=", 1) for p in link.other_params) == case.get("other_query_params", {})
    if "element_strings" in case:
        assert link.hri() == case["element_strings"]


@pytest.mark.parametrize(
    "case", COMPRESSION["element_strings_to_compressed"], ids=lambda c: c["element_strings"]
)
def test_compression_element_strings_parse(case: dict) -> None:
    data = case["element_strings"]
    parsed = (
        gs1.parse_bracketed_ai(data) if data.startswith("(") else gs1.parse_element_string(data)
    )
    assert parsed  # the compressed binary form itself is out of scope


def test_compression_build_uri_from_ai_dict() -> None:
    (case,) = COMPRESSION["build_uri_from_ai_dict"]
    uri = gs1.build_digital_link(list(case["ai"].items()), stem=case["stem"])
    assert uri == case["expected_uri"]


# --- GS1 Digital Link toolkit README ------------------------------------------------------


def test_toolkit_uri_to_element_strings() -> None:
    case = TOOLKIT["examples"][0]
    link = gs1.parse_digital_link(case["uri"], zero_suppressed_gtin=True, convenience_alphas=True)
    assert link.hri() == case["expected_hri"]
    assert {e.ai: e.value for e in link.elements} == case["expected_ai_dict"]
    # The README prints its own element order; compare the element string as AI data.
    reparsed = gs1.parse_element_string(link.element_string())
    assert {e.ai: e.value for e in reparsed} == case["expected_ai_dict"]


def test_toolkit_element_strings_to_uri() -> None:
    case = TOOLKIT["examples"][1]
    elements = gs1.parse_element_string(case["element_strings"])
    assert gs1.build_digital_link(elements) == case["expected_uri"]


def test_toolkit_ai_dict_to_uri_with_short_names() -> None:
    case = TOOLKIT["examples"][2]
    uri = gs1.build_digital_link(list(case["ai_dict"].items()), stem=case["stem"], short_names=True)
    assert uri == case["expected_uri"]


# --- the ledger's identifier API ----------------------------------------------------------

GTIN13 = "6901234567892"
GTIN14 = "06901234567892"
SSCC = "069012340000000016"
GLN = "6901234000016"


def test_check_digit_message_in_plain_words() -> None:
    with pytest.raises(ValidationError) as info:
        gs1.validate_gtin("06901234567891", field="payload.epcList[0]")
    assert info.value.code == "bad_check_digit"
    assert info.value.field == "payload.epcList[0]"
    assert info.value.message == (
        "the GTIN 06901234567891 has a wrong check digit: the last digit should be 2"
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "bad_identifier"),
        ("690123456789", "bad_check_digit"),  # 12 digits, wrong check digit
        ("69012345678921", "bad_check_digit"),
        ("6901234567892X", "bad_identifier"),
        ("123", "bad_identifier"),
        ("069012345678920", "bad_identifier"),  # 15 digits
    ],
)
def test_validate_gtin_rejects(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        gs1.validate_gtin(value)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("gtin", "gtin14"),
    [("02345673", "00000002345673"), ("416000336108", "00416000336108"), (GTIN13, GTIN14)],
)
def test_gtin_padding(gtin: str, gtin14: str) -> None:
    assert gs1.validate_gtin(gtin) == gtin14
    assert gs1.gtin_uri(gtin) == f"https://id.gs1.org/01/{gtin14}"


def test_gln_and_sscc_validation() -> None:
    assert gs1.validate_gln(GLN) == GLN
    assert gs1.validate_sscc(SSCC) == SSCC
    with pytest.raises(ValidationError) as info:
        gs1.validate_gln("6901234000018")
    assert info.value.code == "bad_check_digit"
    assert "should be 6" in info.value.message
    with pytest.raises(ValidationError) as info:
        gs1.validate_sscc("69012340000000016")
    assert info.value.code == "bad_identifier"
    assert "18" in info.value.message


def test_builders_and_canonical_forms() -> None:
    assert gs1.gtin_uri(GTIN13, lot="WC2024-09") == f"https://id.gs1.org/01/{GTIN14}/10/WC2024-09"
    assert gs1.gtin_uri(GTIN14, serial="000123") == f"https://id.gs1.org/01/{GTIN14}/21/000123"
    assert (
        gs1.gtin_uri(GTIN14, lot="ABC&+123", serial="a/b")
        == f"https://id.gs1.org/01/{GTIN14}/10/ABC%26%2B123/21/a%2Fb"
    )
    assert gs1.sscc_uri(SSCC) == f"https://id.gs1.org/00/{SSCC}"
    assert gs1.location_uri(GLN) == f"https://id.gs1.org/414/{GLN}"
    assert gs1.location_uri(GLN, "plot-07") == f"https://id.gs1.org/414/{GLN}/254/plot-07"
    assert gs1.party_uri(GLN) == f"https://id.gs1.org/417/{GLN}"
    assert gs1.gtin_uri(GTIN14, stem="https://trace.example/") == (
        f"https://trace.example/01/{GTIN14}"
    )


@pytest.mark.parametrize(
    ("lot", "why"),
    [("", "empty"), ("A" * 21, "longer than 20"), ("批次1", "contains"), ("a b", "contains")],
)
def test_lot_rules(lot: str, why: str) -> None:
    with pytest.raises(ValidationError) as info:
        gs1.gtin_uri(GTIN14, lot=lot)
    assert info.value.code == "bad_identifier"
    assert why in info.value.message


def test_parse_identifier_kinds() -> None:
    unit = gs1.parse_identifier(f"https://id.gs1.org/01/{GTIN14}/10/L1/21/S1")
    assert unit.kind == "unit" and unit.is_instance and not unit.is_class
    assert unit.lot_class() == gs1.GS1Identifier("01", GTIN14, lot="L1")
    assert gs1.parse_identifier(f"https://id.gs1.org/01/{GTIN14}/10/L1").kind == "lot"
    assert gs1.parse_identifier(f"https://id.gs1.org/01/{GTIN14}").kind == "product"
    assert gs1.parse_identifier(f"https://id.gs1.org/00/{SSCC}").kind == "sscc"
    assert gs1.parse_identifier(f"https://id.gs1.org/414/{GLN}").kind == "location"
    assert gs1.parse_identifier(f"https://id.gs1.org/417/{GLN}").kind == "party"
    assert gs1.parse_identifier(f"https://id.gs1.org/00/{SSCC}").lot_class() is None


def test_parse_identifier_lenient_forms_canonicalise() -> None:
    ident = gs1.parse_identifier(f"https://brand.example/qr/01/{GTIN13}/10/L%2D1?17=251231#x")
    assert ident.canonical() == f"https://id.gs1.org/01/{GTIN14}/10/L-1"
    short = gs1.parse_identifier(f"https://id.gs1.org/gtin/{GTIN14}/lot/L1/ser/9")
    assert short.canonical() == f"https://id.gs1.org/01/{GTIN14}/10/L1/21/9"


@pytest.mark.parametrize(
    "uri",
    [
        f"https://brand.example/01/{GTIN14}",  # other host
        f"http://id.gs1.org/01/{GTIN14}",  # http
        f"https://id.gs1.org/01/{GTIN13}",  # zero-suppressed
        f"https://id.gs1.org/01/{GTIN14}?17=251231",  # attributes
        f"https://id.gs1.org/01/{GTIN14}/10/L%2d1",  # needless escaping
        f"https://id.gs1.org/gtin/{GTIN14}",  # DL 1.x short name
    ],
)
def test_canonical_only_rejects_other_spellings(uri: str) -> None:
    with pytest.raises(ValidationError) as info:
        gs1.parse_identifier(uri, canonical_only=True, field="f")
    assert info.value.code == "bad_identifier"
    assert info.value.field == "f"


def test_unsupported_but_valid_links_are_named() -> None:
    with pytest.raises(ValidationError) as info:
        gs1.parse_identifier("https://id.gs1.org/01/09520123456788/22/2A")
    assert "only uses" in info.value.message
    with pytest.raises(ValidationError) as info:
        gs1.parse_identifier("https://id.gs1.org/253/1231231231232")
    assert info.value.code == "bad_identifier"


def test_allowed_kinds() -> None:
    with pytest.raises(ValidationError) as info:
        gs1.parse_identifier(f"https://id.gs1.org/414/{GLN}", allowed=("party",))
    assert "names a place" in info.value.message


def test_qualifier_order_enforced() -> None:
    with pytest.raises(ValidationError) as info:
        gs1.parse_digital_link(f"https://id.gs1.org/01/{GTIN14}/21/S/10/L")
    assert "order" in info.value.message
    uri = gs1.build_digital_link([("21", "S"), ("10", "L"), ("01", GTIN14)])
    assert uri == f"https://id.gs1.org/01/{GTIN14}/10/L/21/S"


def test_bad_check_digit_inside_uri_is_reported_as_such() -> None:
    with pytest.raises(ValidationError) as info:
        gs1.parse_identifier("https://id.gs1.org/01/06901234567891")
    assert info.value.code == "bad_check_digit"
    assert "should be 2" in info.value.message


def test_non_string_input() -> None:
    with pytest.raises(ValidationError):
        gs1.parse_identifier(42)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        gs1.parse_digital_link(None)  # type: ignore[arg-type]


def test_check_digit_needs_digits() -> None:
    with pytest.raises(ValueError):
        gs1.check_digit("")
    assert gs1.has_valid_check_digit("0") is False
    assert gs1.has_valid_check_digit("abc") is False


def test_is_known_ai() -> None:
    assert gs1.is_known_ai("01") and gs1.is_known_ai("3103") and gs1.is_known_ai("99")
    assert not gs1.is_known_ai("999") and not gs1.is_known_ai("89")


# --- properties -----------------------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=17)
cset82 = st.text(alphabet=sorted(gs1.CSET82), min_size=1, max_size=20)


@given(body=digits)
def test_appending_the_check_digit_validates(body: str) -> None:
    full = body + str(gs1.check_digit(body))
    assert gs1.has_valid_check_digit(full)
    wrong = body + str((gs1.check_digit(body) + 1) % 10)
    assert not gs1.has_valid_check_digit(wrong)


@given(
    body=st.text(alphabet="0123456789", min_size=13, max_size=13),
    lot=st.none() | cset82,
    serial=st.none() | cset82,
)
def test_build_parse_round_trip(body: str, lot: str | None, serial: str | None) -> None:
    gtin = body + str(gs1.check_digit(body))
    uri = gs1.gtin_uri(gtin, lot=lot, serial=serial)
    ident = gs1.parse_identifier(uri, canonical_only=True)
    assert (ident.key, ident.lot, ident.serial) == (gtin, lot, serial)
    assert ident.canonical() == uri
    link = gs1.parse_digital_link(uri)
    assert gs1.build_digital_link(link.elements) == uri


@given(body=st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_sscc_round_trip(body: str) -> None:
    sscc = body + str(gs1.check_digit(body))
    uri = gs1.sscc_uri(sscc)
    assert gs1.parse_identifier(uri, canonical_only=True).key == sscc


@given(st.text(max_size=80))
def test_parse_never_raises_anything_but_validation_error(text: str) -> None:
    for candidate in (text, "https://id.gs1.org/" + text, "https://a/01/" + text):
        with contextlib.suppress(ValidationError):
            gs1.parse_digital_link(candidate)


# The fast path for plain canonical identifiers must agree with the general engine.
_PLAIN = st.text(alphabet="ABCXYZabcxyz0123456789._-", min_size=1, max_size=20)


@given(
    st.sampled_from(["01", "00", "414", "417"]),
    st.integers(min_value=0, max_value=10**17 - 1),
    st.none() | _PLAIN,
    st.none() | _PLAIN,
)
def test_plain_canonical_fast_path_agrees_with_the_general_parser(
    ai: str, number: int, a: str | None, b: str | None
) -> None:
    length = {"01": 13, "00": 17, "414": 12, "417": 12}[ai]
    body = str(number).zfill(17)[-length:]
    key = body + str(gs1.check_digit(body))
    uri = f"https://id.gs1.org/{ai}/{key}"
    if ai == "01":
        uri += (f"/10/{a}" if a else "") + (f"/21/{b}" if b else "")
    elif ai == "414" and a:
        uri += f"/254/{a}"
    fast = gs1._parse_plain_canonical(uri)
    assert fast is not None
    assert fast == gs1._parse_general(uri, field=None, canonical_only=True)
    assert fast.canonical() == uri
