"""The ledger's identifiers: GTIN, SSCC and GLN keys, and the Digital Links naming them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.core import digital_link, gs1
from ledger.core.errors import ValidationError
from ledger.core.gs1_syntax import CSET82, check_digit

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
    assert unit.kind == "unit"
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


def test_bad_check_digit_inside_uri_is_reported_as_such() -> None:
    with pytest.raises(ValidationError) as info:
        gs1.parse_identifier("https://id.gs1.org/01/06901234567891")
    assert info.value.code == "bad_check_digit"
    assert "should be 2" in info.value.message


def test_non_string_input() -> None:
    with pytest.raises(ValidationError):
        gs1.parse_identifier(42)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        digital_link.parse_digital_link(None)  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------------

cset82 = st.text(alphabet=sorted(CSET82), min_size=1, max_size=20)


@given(
    body=st.text(alphabet="0123456789", min_size=13, max_size=13),
    lot=st.none() | cset82,
    serial=st.none() | cset82,
)
def test_build_parse_round_trip(body: str, lot: str | None, serial: str | None) -> None:
    gtin = body + str(check_digit(body))
    uri = gs1.gtin_uri(gtin, lot=lot, serial=serial)
    ident = gs1.parse_identifier(uri, canonical_only=True)
    assert (ident.key, ident.lot, ident.serial) == (gtin, lot, serial)
    assert ident.canonical() == uri
    link = digital_link.parse_digital_link(uri)
    assert digital_link.build_digital_link(link.elements) == uri


@given(body=st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_sscc_round_trip(body: str) -> None:
    sscc = body + str(check_digit(body))
    uri = gs1.sscc_uri(sscc)
    assert gs1.parse_identifier(uri, canonical_only=True).key == sscc


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
    key = body + str(check_digit(body))
    uri = f"https://id.gs1.org/{ai}/{key}"
    if ai == "01":
        uri += (f"/10/{a}" if a else "") + (f"/21/{b}" if b else "")
    elif ai == "414" and a:
        uri += f"/254/{a}"
    fast = gs1._parse_plain_canonical(uri)
    assert fast is not None
    assert fast == gs1._parse_general(uri, field=None, canonical_only=True)
    assert fast.canonical() == uri
