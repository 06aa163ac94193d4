"""GS1 AI syntax, check digits and Digital Link URIs against the published vectors.

Vectors: tests/vectors/gs1_digital_link/ (see tests/vectors/README.md for provenance).
Every case runs. The two valid only with ``permit_unknown_ais`` (DL-attribute validation
switched off) must be rejected here: the ledger never accepts AIs it does not know. The
GS1 DL *compression* strings are out of scope (only their uncompressed URIs and AI values
are checked).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.core import digital_link, gs1_syntax
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
    if case["valid"] and not _needs_unknown_ais(case):
        link = digital_link.parse_digital_link(case["uri"], **_options(case))
        assert [[e.ai, e.value] for e in link.elements] == case["ai_pairs"]
        assert link.element_string() == case["element_string"]
        assert link.hri() == case["hri"]
    else:
        with pytest.raises(ValidationError) as info:
            digital_link.parse_digital_link(case["uri"], **_options(case))
        assert info.value.code in ("bad_identifier", "bad_check_digit")


def test_parse_vectors_reject_only_unknown_ai_cases() -> None:
    skipped = [c for c in DL["parse_dl_uri"] if _needs_unknown_ais(c)]
    assert len(skipped) == 1
    assert len(DL["parse_dl_uri"]) == 120


# --- gs1-syntax-engine: generate_dl_uri --------------------------------------------------


@pytest.mark.parametrize(
    "case", DL["generate_dl_uri"], ids=lambda c: c.get("ai_data", c.get("dl_uri_input"))
)
def test_generate_dl_uri_vectors(case: dict) -> None:
    def run() -> str:
        if "dl_uri_input" in case:
            # Re-rendering a parsed URI keeps its split between path and query.
            parsed = digital_link.parse_digital_link(case["dl_uri_input"])
            return digital_link.render_uri(case["stem"], parsed.path, parsed.attributes)
        elements = gs1_syntax.parse_bracketed_ai(case["ai_data"])
        return digital_link.build_digital_link(elements, stem=case["stem"])

    if case["valid"] and not _needs_unknown_ais(case):
        assert run() == case["expected_uri"]
    else:
        with pytest.raises(ValidationError):
            run()


# --- check digits ------------------------------------------------------------------------


@pytest.mark.parametrize("case", DL["check_digits"], ids=lambda c: json.dumps(c)[:70])
def test_check_digit_vectors(case: dict) -> None:
    if "digits" in case:
        assert gs1_syntax.has_valid_check_digit(case["digits"]) is case["valid"]
        return
    if "ai_data" in case:

        def run() -> object:
            return gs1_syntax.parse_bracketed_ai(case["ai_data"])
    else:

        def run() -> object:
            return gs1_syntax.parse_element_string(case["element_string"])

    if case["valid"]:
        run()
    else:
        with pytest.raises(ValidationError) as info:
            run()
        if case.get("error") == "GS1_LINTER_INCORRECT_CHECK_DIGIT":
            assert info.value.code == "bad_check_digit"


def test_compression_vector_check_digit() -> None:
    (case,) = COMPRESSION["check_digit"]
    assert gs1_syntax.check_digit(case["value"][:-1]) == case["expected_check_digit"]
    assert gs1_syntax.has_valid_check_digit(case["value"]) is case["valid"]


# --- gs1-compression examples (uncompressed forms only) ----------------------------------


@pytest.mark.parametrize("case", COMPRESSION["uri_examples"], ids=lambda c: c["uri"])
def test_compression_uri_examples(case: dict) -> None:
    # Some use DL 1.x names (/gtin/, /lot/, /ser/) and a GTIN-13: accepted on request.
    options = {"zero_suppressed_gtin": True, "convenience_alphas": True}
    if case["ai"].keys() == {"8003", "240"}:
        # gs1-compression does not check AI pairings; GS1's syntax dictionary says (240)
        # needs (01), (02), (8006) or (8026), so with pairing checks on we reject it.
        with pytest.raises(ValidationError, match=r"AI \(240\) needs"):
            digital_link.parse_digital_link(case["uri"], **options)
        options["validate_associations"] = False
    link = digital_link.parse_digital_link(case["uri"], **options)
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
        gs1_syntax.parse_bracketed_ai(data)
        if data.startswith("(")
        else gs1_syntax.parse_element_string(data)
    )
    assert parsed  # the compressed binary form itself is out of scope


def test_compression_build_uri_from_ai_dict() -> None:
    (case,) = COMPRESSION["build_uri_from_ai_dict"]
    uri = digital_link.build_digital_link(list(case["ai"].items()), stem=case["stem"])
    assert uri == case["expected_uri"]


# --- GS1 Digital Link toolkit README ------------------------------------------------------


def test_toolkit_uri_to_element_strings() -> None:
    case = TOOLKIT["examples"][0]
    link = digital_link.parse_digital_link(
        case["uri"], zero_suppressed_gtin=True, convenience_alphas=True
    )
    assert link.hri() == case["expected_hri"]
    assert {e.ai: e.value for e in link.elements} == case["expected_ai_dict"]
    # The README prints its own element order; compare the element string as AI data.
    reparsed = gs1_syntax.parse_element_string(link.element_string())
    assert {e.ai: e.value for e in reparsed} == case["expected_ai_dict"]


def test_toolkit_element_strings_to_uri() -> None:
    case = TOOLKIT["examples"][1]
    elements = gs1_syntax.parse_element_string(case["element_strings"])
    assert digital_link.build_digital_link(elements) == case["expected_uri"]


def test_toolkit_ai_dict_to_uri_with_short_names() -> None:
    case = TOOLKIT["examples"][2]
    uri = digital_link.build_digital_link(
        list(case["ai_dict"].items()), stem=case["stem"], short_names=True
    )
    assert uri == case["expected_uri"]


# --- the engine's own rules -----------------------------------------------------------


def test_qualifier_order_enforced() -> None:
    with pytest.raises(ValidationError) as info:
        digital_link.parse_digital_link("https://id.gs1.org/01/09520123456788/21/S/10/L")
    assert "order" in info.value.message
    uri = digital_link.build_digital_link([("21", "S"), ("10", "L"), ("01", "09520123456788")])
    assert uri == "https://id.gs1.org/01/09520123456788/10/L/21/S"


def test_check_digit_needs_digits() -> None:
    with pytest.raises(ValueError):
        gs1_syntax.check_digit("")
    assert gs1_syntax.has_valid_check_digit("0") is False
    assert gs1_syntax.has_valid_check_digit("abc") is False


def test_is_known_ai() -> None:
    assert (
        gs1_syntax.is_known_ai("01")
        and gs1_syntax.is_known_ai("3103")
        and gs1_syntax.is_known_ai("99")
    )
    assert not gs1_syntax.is_known_ai("999") and not gs1_syntax.is_known_ai("89")


@given(body=st.text(alphabet="0123456789", min_size=1, max_size=17))
def test_appending_the_check_digit_validates(body: str) -> None:
    full = body + str(gs1_syntax.check_digit(body))
    assert gs1_syntax.has_valid_check_digit(full)
    wrong = body + str((gs1_syntax.check_digit(body) + 1) % 10)
    assert not gs1_syntax.has_valid_check_digit(wrong)


@given(st.text(max_size=80))
def test_parse_never_raises_anything_but_validation_error(text: str) -> None:
    for candidate in (text, "https://id.gs1.org/" + text, "https://a/01/" + text):
        with contextlib.suppress(ValidationError):
            digital_link.parse_digital_link(candidate)


def test_the_ai_table_is_an_excerpt_of_the_syntax_dictionary() -> None:
    # Every line of ledger/core/gs1_syntax_dictionary.txt is GS1's own, but for the titles.
    def entries(path: Path) -> dict[str, str]:
        out = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            body = line.partition("#")[0].split()
            if body:
                out[body[0]] = " ".join(body)
        return out

    official = entries(VECTORS / "gs1-syntax-dictionary.txt")
    ours = entries(Path(gs1_syntax.__file__).with_name("gs1_syntax_dictionary.txt"))
    assert len(ours) == 64
    for ai, line in ours.items():
        assert official[ai] == line, ai


@given(body=st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_check_digit_is_gs1s_weighted_sum(body: str) -> None:
    # GS1 General Specifications 7.9.1: weights 3, 1, 3, ... from the rightmost digit.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    assert gs1_syntax.check_digit(body) == (10 - total % 10) % 10
