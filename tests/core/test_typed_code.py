"""Codes typed on the home page: every shape of the same code reads as the same object, and
anything else is a ValidationError (never another exception)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.core.dl_compression import compress_digital_link
from ledger.core.errors import ValidationError
from ledger.core.gs1 import GS1Identifier
from ledger.core.gs1_syntax import check_digit
from ledger.core.typed_code import read_typed_code

UNIT = GS1Identifier("01", "06901234000122", lot="WC26-M07", serial="100071")
LOT = GS1Identifier("01", "06901234000122", lot="WC26-M07")

# Lots and serials of letters, digits and the marks a label's line can hold unambiguously.
values = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-.", min_size=1, max_size=20)
gtins = st.text(alphabet="0123456789", min_size=13, max_size=13).map(
    lambda body: body + str(check_digit(body))
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://id.gs1.org/01/06901234000122/10/WC26-M07/21/100071", UNIT),
        ("http://shop.example/01/6901234000122/10/WC26-M07/21/100071?x=1#top", UNIT),
        ("/01/06901234000122/10/WC26-M07", LOT),
        ("01/06901234000122/10/WC26-M07/", LOT),
        ("(01) 06901234000122 (10) WC26-M07 (21) 100071", UNIT),
        ("(01)06901234000122(10)WC26-M07", LOT),
        ("（01）０６９０１２３４０００１２２（10）WC26-M07", LOT),  # a Chinese keyboard
        (compress_digital_link("https://id.gs1.org/01/06901234000122/10/WC26-M07"), LOT),
        ("https://r.example/" + compress_digital_link(UNIT.canonical()).rsplit("/", 1)[1], UNIT),
    ],
)
def test_shapes_of_a_code(text: str, expected: GS1Identifier) -> None:
    assert read_typed_code(text) == expected


def test_numbers_in_their_boxes() -> None:
    assert read_typed_code("", gtin="6901234000122", lot="WC26-M07", serial="100071") == UNIT
    assert read_typed_code("06901234000122", lot="WC26-M07") == LOT
    assert read_typed_code("06901234000122").kind == "product"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "bad_identifier"),
        ("hello", "bad_identifier"),
        ("/01/06901234000123/10/X", "bad_check_digit"),
        ("(01) 06901234000122 (17) 261231", "bad_identifier"),
        ("(01) 06901234000122 (10) A (10) B", "bad_identifier"),
        ("(10) WC26-M07", "bad_identifier"),
        ("(01) 06901234000122 trailing", "bad_identifier"),
        ("/01/" + "9" * 400, "bad_identifier"),
        ("https://x.example/", "bad_identifier"),
    ],
)
def test_what_is_not_a_code(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        read_typed_code(text)
    assert info.value.code == code and info.value.message


@given(gtins, values, st.one_of(st.none(), values))
def test_every_shape_reads_as_the_same_object(gtin: str, lot: str, serial: str | None) -> None:
    subject = GS1Identifier("01", gtin, lot=lot, serial=serial)
    line = f"(01) {gtin} (10) {lot}" + ("" if serial is None else f" (21) {serial}")
    shapes = [
        subject.canonical(),
        subject.uri("https://shop.example"),
        subject.uri(""),
        line,
        compress_digital_link(subject.canonical()),
    ]
    for shape in shapes:
        assert read_typed_code(shape) == subject, shape
    assert read_typed_code("", gtin=gtin, lot=lot, serial=serial or "") == subject


@given(st.text(max_size=400), st.text(max_size=30), st.text(max_size=30))
def test_anything_typed_is_read_or_refused_with_a_reason(text: str, lot: str, serial: str) -> None:
    try:
        read_typed_code(text, lot=lot, serial=serial)
    except ValidationError as error:
        assert error.code in ("bad_identifier", "bad_check_digit") and error.message
