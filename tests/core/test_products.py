"""The rules a product of the catalogue follows, in the file and in the console's editor."""

from __future__ import annotations

import pytest

from ledger.core.errors import ValidationError
from ledger.core.products import Product, check_product, parse_celsius


def test_a_good_product_is_normalised() -> None:
    product = check_product("6901234000122", "米", "Rice", "5 kg", -2, 15.5)
    assert product == Product("06901234000122", "米", "Rice", "5 kg", -2.0, 15.5)
    assert product.band == "-2 – 15.5 °C"
    assert Product("06901234000122", "米", "Rice", temp_max_c=4).band == "≤ 4 °C"
    assert Product("06901234000122", "米", "Rice").band is None


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        (("06901234000123", "米", "Rice"), "bad_check_digit", "gtin"),
        (("0690123400012x", "米", "Rice"), "bad_identifier", "gtin"),
        (("06901234000122", "", "Rice"), "bad_product_name", "name_zh"),
        (("06901234000122", "米", " Rice"), "bad_product_name", "name_en"),
        (("06901234000122", "米", "a\u0000b"), "bad_product_name", "name_en"),
        (("06901234000122", "米", "Rice", "x" * 51), "bad_net_content", "net_content"),
        (("06901234000122", "米", "Rice", None, 150), "bad_temperature", "temp_min_c"),
        (
            ("06901234000122", "米", "Rice", None, None, float("nan")),
            "bad_temperature",
            "temp_max_c",
        ),
        (("06901234000122", "米", "Rice", None, 10, 4), "bad_temperature_band", "temp_max_c"),
    ],
)
def test_a_bad_product_names_its_field_and_code(values: tuple, code: str, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as caught:
        check_product(*values)
    assert (caught.value.code, caught.value.field) == (code, field)


@pytest.mark.parametrize(
    ("text", "value"), [("4", 4.0), (" -18 ", -18.0), ("2.5", 2.5), ("", None), ("－5", -5.0)]
)
def test_typed_temperatures(text: str, value: float | None) -> None:
    assert parse_celsius(text, "temp_min_c") == value


@pytest.mark.parametrize("text", ["cold", "1e3", "inf", "4°C"])
def test_typed_nonsense_is_a_temperature_error(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_celsius(text, "temp_min_c")
    assert caught.value.code == "bad_temperature" and caught.value.field == "temp_min_c"
