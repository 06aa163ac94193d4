"""Certificates assembled from the log: each lot's own quantity, date and issuer, the origin
of its farms, the inputs of a mix or split, and the basis its inspections give; on both
databases. Business contacts and the catalogue editor's store, too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from ledger import samples as ex
from ledger.catalogue import Catalogue
from ledger.core.certificate import Amount, Contact
from ledger.core.errors import ConflictError, NotFoundError, ValidationError
from ledger.core.gs1 import GS1Identifier, gtin_uri
from ledger.core.products import Product
from ledger.core.statements import sign_statement
from ledger.service.certificates import certificate
from ledger.service.contacts import Contacts
from ledger.service.ledger import Ledger
from ledger.service.products import Products
from ledger.store.models import BusinessContact, CatalogueProduct
from tests.service.test_chain import CHAIN_CLOCK_START, producer_key, register_all
from tests.support.fixed import ORIGIN, StepClock

NOW = datetime(2024, 11, 2, 20, 0, tzinfo=UTC)  # 2024-11-03 in China
FARM_REGION = ex.ACTORS["wuchang-coop"]["region"]


@pytest.fixture
def chain(engine: Engine, operator_key: Any) -> Ledger:
    ledger = Ledger.create(
        engine, operator_key, ORIGIN, clock=StepClock(CHAIN_CLOCK_START), checkpoint_interval=0
    )
    register_all(ledger, operator_key)
    return ledger


def post(ledger: Ledger, events: list[tuple[str, dict[str, Any]]]) -> None:
    ledger.append(
        [sign_statement("event", payload, producer_key(actor)) for actor, payload in events]
    )


def lot(gtin: str, name: str) -> GS1Identifier:
    return GS1Identifier("01", gtin, lot=name)


def cert(ledger: Ledger, subject: GS1Identifier) -> Any:
    return certificate(ledger.engine, subject, Contacts(ledger.engine), NOW)


def test_the_sample_chain_gives_each_lot_its_own_certificate(chain: Ledger) -> None:
    post(chain, ex.wuchang_chain())

    paddy = cert(chain, lot(ex.PADDY_GTIN, ex.PADDY_LOT)).facts
    assert paddy.made_by == "harvest" and paddy.issuer.actor == "wuchang-coop"
    assert paddy.amounts == (Amount(12000, "KGM"),) and paddy.units == 0
    assert paddy.production_dates == (date(2024, 9, 25),)
    assert paddy.origins == (FARM_REGION,) and paddy.inputs == ()
    assert paddy.basis == {"self_commitment"} and not paddy.failed
    assert paddy.issued == date(2024, 11, 3)  # the day in the lot's own time zone (+08:00)

    rice = cert(chain, lot(ex.RICE_GTIN, ex.RICE_LOT)).facts
    assert rice.made_by == "transformation" and rice.issuer.actor == "wuchang-mill"
    assert rice.amounts == (Amount(7800, "KGM"),)
    assert rice.production_dates == (date(2024, 10, 8),)
    assert rice.origins == (FARM_REGION,)  # the farm's, not the mill's
    assert [i.canonical() for i in rice.inputs] == [gtin_uri(ex.PADDY_GTIN, lot=ex.PADDY_LOT)]
    assert [(f.lab.actor, f.passed, f.own) for f in rice.inspections] == [("hlj-lab", True, True)]
    assert rice.basis == {"entrusted_test"}
    assert rice.commitments == {
        "no_banned_inputs",
        "residues_within_limits",
        "responsible_for_truth",
    }

    # The packed batch: the bags of the rice lot, counted; the lab tested their input lot.
    bags = cert(chain, lot(ex.BAG_GTIN, ex.RICE_LOT)).facts
    assert bags.units == len(ex.SERIALS) and bags.amounts == ()
    assert bags.production_dates == (date(2024, 10, 12),)
    assert [i.canonical() for i in bags.inputs] == [gtin_uri(ex.RICE_GTIN, lot=ex.RICE_LOT)]
    assert [f.own for f in bags.inspections] == [False]
    assert bags.basis == {"entrusted_test"} and bags.origins == (FARM_REGION,)


def test_an_unknown_lot_or_one_nothing_creates_has_no_certificate(chain: Ledger) -> None:
    post(chain, ex.wuchang_chain())
    for subject in (lot(ex.PADDY_GTIN, "NO-SUCH-LOT"), lot(ex.BAG_GTIN, ex.PADDY_LOT)):
        with pytest.raises(NotFoundError) as caught:
            cert(chain, subject)
        assert caught.value.code == "no_certificate"


def _harvest(name: str, kg: float, day: int) -> tuple[str, dict[str, Any]]:
    return (
        "wuchang-coop",
        ex.harvest(
            lot=name,
            kg=kg,
            harvest_date=f"2024-09-{day}",
            time=f"2024-09-{day}T18:00:00+08:00",
            eid=ex.event_id("harvest-" + name),
        ),
    )


def test_a_mix_split_into_two_lots_gives_each_output_its_own_certificate(chain: Ledger) -> None:
    a, b = gtin_uri(ex.PADDY_GTIN, lot="P-A"), gtin_uri(ex.PADDY_GTIN, lot="P-B")
    c, d = gtin_uri(ex.RICE_GTIN, lot="M-C"), gtin_uri(ex.RICE_GTIN, lot="M-D")
    moved = [(a, 6000, "KGM"), (b, 4000, "KGM")]
    mix = ex.milling(eid=ex.event_id("mix"))
    mix["inputQuantityList"] = [
        {"epcClass": a, "quantity": 6000, "uom": "KGM"},
        {"epcClass": b, "quantity": 4000, "uom": "KGM"},
    ]
    mix["outputQuantityList"] = [
        {"epcClass": c, "quantity": 4200, "uom": "KGM"},
        {"epcClass": d, "quantity": 2300, "uom": "KGM"},
    ]
    post(
        chain,
        [
            _harvest("P-A", 6000, 24),
            _harvest("P-B", 4000, 26),
            ("wuchang-coop", ex.shipping(quantities=moved, eid=ex.event_id("ship-ab"))),
            ("wuchang-mill", ex.receiving(quantities=moved, eid=ex.event_id("receive-ab"))),
            ("wuchang-mill", mix),
            (
                "hlj-lab",
                ex.inspection(
                    epc_classes=[d],
                    result="fail",
                    analytes=[("tricyclazole", 2.5, 2.0, "MGKG")],
                    eid=ex.event_id("inspect-d"),
                ),
            ),
        ],
    )
    first = cert(chain, lot(ex.RICE_GTIN, "M-C")).facts
    second = cert(chain, lot(ex.RICE_GTIN, "M-D")).facts
    assert first.amounts == (Amount(4200, "KGM"),) and second.amounts == (Amount(2300, "KGM"),)
    for facts in (first, second):
        assert [i.canonical() for i in facts.inputs] == [a, b]
        assert facts.origins == (FARM_REGION,)
        assert facts.production_dates == (date(2024, 10, 8),)
    # Only D was tested, and it failed: its residue commitment is not ticked. C has no test
    # of its own and its inputs none: a self-commitment.
    assert second.failed and second.basis == frozenset()
    assert "residues_within_limits" not in second.commitments
    assert not first.failed and first.basis == {"self_commitment"}
    # Each input's own certificate is still its harvest's.
    assert cert(chain, lot(ex.PADDY_GTIN, "P-B")).facts.amounts == (Amount(4000, "KGM"),)


def test_the_issuers_english_name_and_contact_are_on_the_certificate(chain: Ledger) -> None:
    post(chain, ex.wuchang_chain())
    contacts = Contacts(chain.engine)
    contacts.set("wuchang-mill", "0451-5555 0000", "五常市拉林镇", by="operator-1")
    found = certificate(chain.engine, lot(ex.RICE_GTIN, ex.RICE_LOT), contacts, NOW)
    assert found.contact == Contact("0451-5555 0000", "五常市拉林镇")
    assert found.facts.issuer.gln == ex.MILL_GLN


def test_contacts_are_checked_before_they_are_kept_and_can_be_erased(engine: Engine) -> None:
    from ledger.store import schema

    schema.upgrade(engine)
    contacts = Contacts(engine)
    assert contacts.get("wuchang-coop") == Contact()
    contacts.set("wuchang-coop", " 13800000000 ", "", by="op")
    assert contacts.get("wuchang-coop") == Contact("13800000000", None)
    with pytest.raises(ValidationError) as caught:
        contacts.set("wuchang-coop", "1" * 41, "x", by="op")
    assert caught.value.code == "bad_contact" and caught.value.field == "phone"
    assert contacts.get("wuchang-coop") == Contact("13800000000", None)  # unchanged
    contacts.set("wuchang-coop", "", " ", by="op")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(BusinessContact)).scalar() == 0


def test_the_catalogue_editor_lays_its_products_over_the_file(engine: Engine) -> None:
    from ledger.store import schema

    schema.upgrade(engine)
    products = Products(engine, Catalogue.load(), ttl=60)
    before = products.catalogue()
    assert before.display_name(ex.BAG_GTIN, "en") == "Wuchang rice, Daohuaxiang, 5 kg bag"

    new = Product("6901234000139", "五常大米 10kg", "Wuchang rice, 10 kg bag", "10 kg", 0, 25)
    assert products.add(new, by="op").gtin == "06901234000139"
    with pytest.raises(ConflictError) as caught:
        products.add(new, by="op")
    assert caught.value.code == "product_exists"
    with pytest.raises(ConflictError):  # a product of the file is there already too
        products.add(Product(ex.BAG_GTIN, "x", "x"), by="op")

    renamed = Product(
        ex.BAG_GTIN, "五常大米 5kg 新包装", "Wuchang rice, 5 kg, new bag", "5 kg", 2, 15
    )
    products.update(renamed, by="op")
    now = products.catalogue()
    assert now.get(ex.BAG_GTIN) == renamed and now.get("06901234000139") is not None
    assert now.fingerprint != before.fingerprint
    assert now.get(ex.PADDY_GTIN) == before.get(ex.PADDY_GTIN)  # untouched: the file's
    listed = {entry.product.gtin: entry for entry in products.listed()}
    assert listed[ex.BAG_GTIN].edited and not listed[ex.PADDY_GTIN].edited

    with pytest.raises(NotFoundError) as missing:
        products.update(Product("06901234000146", "x", "x"), by="op")
    assert missing.value.code == "unknown_product"
    with pytest.raises(ValidationError) as band:
        products.update(Product(ex.BAG_GTIN, "米", "Rice", None, 20, 5), by="op")
    assert band.value.code == "bad_temperature_band" and band.value.field == "temp_max_c"
    assert products.get(ex.BAG_GTIN) == renamed  # nothing stored
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CatalogueProduct)).scalar() == 2
