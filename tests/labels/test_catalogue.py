"""The product catalogue: the packaged demo file, and the checks that reject a bad one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger import samples
from ledger.catalogue import Catalogue, Product
from ledger.core.errors import ValidationError


def test_default_catalogue_names_the_demo_products() -> None:
    catalogue = Catalogue.load(None)
    bag = catalogue.get(samples.BAG_GTIN)
    assert bag == Product(
        samples.BAG_GTIN, "五常大米 稻花香 5kg", "Wuchang rice, Daohuaxiang, 5 kg bag", "5 kg"
    )
    assert bag.name("zh") == "五常大米 稻花香 5kg" and bag.name("en").startswith("Wuchang")
    assert catalogue.display_name(samples.PADDY_GTIN, "zh") == "稻谷"
    assert catalogue.display_name(samples.RICE_GTIN, "en") == "Wuchang milled rice, bulk"
    assert catalogue.get("6901234000122") == bag  # GTIN-13 padded
    assert catalogue.display_name("06901234000139", "zh") == "GTIN 06901234000139"
    assert catalogue.get("not a gtin") is None


def _write(tmp_path: Path, products: object, version: object = 1) -> Path:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"version": version, "products": products}), encoding="utf-8")
    return path


GOOD = {"gtin": "06901234000122", "name_zh": "米", "name_en": "Rice", "net_content": None}


@pytest.mark.parametrize(
    ("products", "field"),
    [
        ([{**GOOD, "gtin": "06901234000123"}], "products[0].gtin"),  # check digit
        ([{**GOOD, "gtin": 6901234000122}], "products[0].gtin"),
        ([GOOD, GOOD], "products[1].gtin"),
        ([{**GOOD, "name_zh": ""}], "products[0].name_zh"),
        ([{**GOOD, "name_en": "a\u0000b"}], "products[0].name_en"),
        ([{**GOOD, "colour": "white"}], "products[0]"),
        (["06901234000122"], "products[0]"),
        ({"06901234000122": GOOD}, "products"),
    ],
)
def test_bad_catalogue_is_refused(tmp_path: Path, products: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Catalogue.load(_write(tmp_path, products))
    assert caught.value.code == "bad_catalogue" and caught.value.field == field


def test_wrong_version_unreadable_and_not_json(tmp_path: Path) -> None:
    for path in (_write(tmp_path, [GOOD], version=2), tmp_path / "missing.json"):
        with pytest.raises(ValidationError, match="catalogue") as caught:
            Catalogue.load(path)
        assert caught.value.code == "bad_catalogue"
    (tmp_path / "bad.json").write_bytes(b"\xff{")
    with pytest.raises(ValidationError) as caught:
        Catalogue.load(tmp_path / "bad.json")
    assert caught.value.code == "bad_catalogue"


STORY = {
    "origin_zh": "五常",
    "origin_en": "Wuchang",
    "variety_zh": "稻花香2号",
    "variety_en": "Daohuaxiang No. 2",
    "growing_zh": "一年一季",
    "growing_en": "One crop a year",
}


def test_every_demo_product_tells_its_story_in_both_languages() -> None:
    catalogue = Catalogue.load(None)
    for product in catalogue:
        story = catalogue.story(product.gtin)
        assert story is not None
        for lang in ("zh", "en"):
            assert story.origin(lang) and story.variety(lang) and story.growing(lang)
        assert "五常" in story.origin("zh") and "Wuchang" in story.origin("en")
    assert catalogue.story("06901234000139") is None


def test_a_story_is_read_and_kept_over_console_edits(tmp_path: Path) -> None:
    catalogue = Catalogue.load(_write(tmp_path, [{**GOOD, "story": STORY}]))
    story = catalogue.story(GOOD["gtin"])
    assert story is not None and story.growing("en") == "One crop a year"
    edited = catalogue.merged([Product(GOOD["gtin"], "新米", "New rice")])
    assert edited.story(GOOD["gtin"]) == story
    assert edited.fingerprint != Catalogue.load(_write(tmp_path, [GOOD])).fingerprint


@pytest.mark.parametrize(
    ("story", "field"),
    [
        ({**STORY, "origin_en": ""}, "products[0].story.origin_en"),
        ({**STORY, "growing_zh": 7}, "products[0].story.growing_zh"),
        ({**STORY, "variety_en": "x" * 601}, "products[0].story.variety_en"),
        ({k: v for k, v in STORY.items() if k != "origin_zh"}, "products[0].story"),
        ({**STORY, "soil": "black"}, "products[0].story"),
        ("a story", "products[0].story"),
    ],
)
def test_bad_story_is_refused(tmp_path: Path, story: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Catalogue.load(_write(tmp_path, [{**GOOD, "story": story}]))
    assert caught.value.code == "bad_catalogue" and caught.value.field == field
