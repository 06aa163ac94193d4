"""Custody rules: the example chain end to end, and every rejection with its code."""

from __future__ import annotations

from typing import Any

import pytest

from ledger import samples as ex
from ledger.core.custody import CustodyChanges, MemoryCustody, custody_effects
from ledger.core.errors import AuthorisationError
from ledger.core.event_parser import parse_event
from ledger.core.gs1 import gtin_uri, sscc_uri

CASE = sscc_uri(ex.CASE_SSCC)
BAGS = ex.bag_keys()  # units are keyed by GTIN + serial, lot or no lot
PADDY = gtin_uri(ex.PADDY_GTIN, lot=ex.PADDY_LOT)
RICE = gtin_uri(ex.RICE_GTIN, lot=ex.RICE_LOT)
OTHER_SSCC = sscc_uri("069012340000001013")


class Ledger:
    """Events applied in order to an in-memory custody state."""

    def __init__(self) -> None:
        self.state = MemoryCustody()

    def post(self, actor: str, payload: dict[str, Any]) -> CustodyChanges:
        changes = custody_effects(parse_event(payload), actor, ex.actor_by_gln, self.state)
        self.state.apply(changes)
        return changes

    def denied(self, actor: str, payload: dict[str, Any], code: str) -> AuthorisationError:
        before = _snapshot(self.state)
        with pytest.raises(AuthorisationError) as info:
            self.post(actor, payload)
        assert info.value.code == code, info.value.message
        assert _snapshot(self.state) == before  # a rejection changes nothing
        return info.value


def _snapshot(state: MemoryCustody) -> tuple[object, ...]:
    return (
        frozenset(state._exists),
        tuple(sorted(state._holder.items())),
        tuple(sorted(state._pending.items())),
        tuple(sorted((k, tuple(v)) for k, v in state._contents.items())),
    )


def run_chain(until: int | None = None) -> Ledger:
    ledger = Ledger()
    for actor, payload in ex.wuchang_chain()[:until]:
        ledger.post(actor, payload)
    return ledger


def test_whole_chain_is_accepted() -> None:
    ledger = run_chain()
    state = ledger.state
    assert state.holder(CASE) == "fresh-mart-sh"
    assert all(state.holder(b) == "fresh-mart-sh" for b in BAGS)
    assert all(state.pending_receiver(o) is None for o in [CASE, *BAGS])
    assert state.contents(CASE) == tuple(BAGS)
    assert state.container(BAGS[0]) == CASE
    assert state.holder(PADDY) == "wuchang-mill"  # lots stay with the transformer
    assert state.holder(RICE) == "wuchang-mill"


def test_changes_of_each_step() -> None:
    ledger = Ledger()
    assert ledger.post("wuchang-coop", ex.sowing()).empty
    harvest = ledger.post("wuchang-coop", ex.harvest())
    assert harvest == CustodyChanges(created=(PADDY,), holders=((PADDY, "wuchang-coop"),))
    ship = ledger.post("wuchang-coop", ex.shipping(quantities=[(PADDY, 12000, "KGM")]))
    assert ship == CustodyChanges(
        holders=((PADDY, "wuchang-coop"),), pending=((PADDY, "wuchang-mill"),)
    )
    got = ledger.post("wuchang-mill", ex.receiving(quantities=[(PADDY, 12000, "KGM")]))
    assert got == CustodyChanges(holders=((PADDY, "wuchang-mill"),), pending=((PADDY, None),))
    milled = ledger.post("wuchang-mill", ex.milling())
    assert milled.created == (RICE,) and milled.consumed == ()
    assert ledger.post("hlj-lab", ex.inspection()).empty
    bagged = ledger.post("wuchang-mill", ex.bagging())
    assert bagged.created == tuple(BAGS)
    packed = ledger.post("wuchang-mill", ex.packing())
    assert packed.created == (CASE,)
    assert packed.packed == tuple((CASE, b) for b in BAGS)


def test_shipping_moves_contents_to_the_carrier() -> None:
    ledger = run_chain(12)  # up to and including the shipment to the retailer
    for oid in [CASE, *BAGS]:
        assert ledger.state.holder(oid) == "coldchain-express"
        assert ledger.state.pending_receiver(oid) == "fresh-mart-sh"


# --- creation ---------------------------------------------------------------------------------


def test_commissioning_twice_is_refused() -> None:
    ledger = run_chain(10)
    error = ledger.denied("wuchang-mill", ex.bagging(eid=ex.event_id("again")), "object_exists")
    assert error.field == "payload.outputEPCList[0]"
    assert "already exists" in error.message
    unit = ex.harvest(eid=ex.event_id("unit"))
    unit["epcList"] = [BAGS[0]]
    del unit["quantityList"]
    error = ledger.denied("wuchang-coop", unit, "object_exists")
    assert error.field == "payload.epcList[0]"


def test_more_of_an_own_lot_is_allowed_but_not_of_another_actors() -> None:
    ledger = Ledger()
    ledger.post("wuchang-coop", ex.harvest())
    again = ledger.post("wuchang-coop", ex.harvest(eid=ex.event_id("day 2")))
    assert again.empty
    error = ledger.denied("wuchang-mill", ex.harvest(eid=ex.event_id("mill")), "object_exists")
    assert error.field == "payload.quantityList[0].epcClass"


def test_packing_into_an_existing_case() -> None:
    ledger = run_chain(9)  # bags exist, not packed
    ledger.post("wuchang-mill", ex.packing(children=BAGS[:2]))
    more = ledger.post("wuchang-mill", ex.packing(children=BAGS[1:], eid=ex.event_id("more")))
    assert more.created == () and more.packed == tuple((CASE, b) for b in BAGS[2:])
    assert ledger.state.contents(CASE) == tuple(BAGS)


# --- holding -----------------------------------------------------------------------------------


def test_unknown_object() -> None:
    ledger = Ledger()
    error = ledger.denied("wuchang-mill", ex.storing(), "unknown_object")
    assert error.field == "payload.epcList[0]"
    assert "no record of" in error.message
    ledger.denied("hlj-lab", ex.inspection(), "unknown_object")


def test_not_in_custody() -> None:
    ledger = run_chain(4)  # harvested, not shipped
    error = ledger.denied("wuchang-mill", ex.milling(), "not_in_custody")
    assert error.field == "payload.inputQuantityList[0].epcClass"
    assert error.message == (
        f"you (wuchang-mill) do not hold {PADDY}: the ledger shows it held by wuchang-coop"
    )


def test_storing_before_receiving_says_so() -> None:
    ledger = run_chain(5)  # paddy shipped to the mill, not yet received
    error = ledger.denied("wuchang-mill", ex.milling(), "not_in_custody")
    assert "on its way to you; post receiving" in error.message


def test_in_transit_goods_cannot_be_shipped_or_stored_again() -> None:
    ledger = run_chain(5)  # shipped without a carrier: the farm still carries it
    assert ledger.state.holder(PADDY) == "wuchang-coop"
    again = ex.shipping(quantities=[(PADDY, 1, "KGM")], destination_gln=ex.WAREHOUSE_GLN)
    error = ledger.denied("wuchang-coop", again, "in_transit")
    assert "in transit to wuchang-mill" in error.message


def test_used_up_inputs() -> None:
    ledger = run_chain(10)  # bags packed
    ledger.post("wuchang-mill", ex.wuchang_chain()[10][1])  # storing
    # Unpack one bag, then use it up in a transformation; it cannot be used again.
    unpack = {
        "type": "AggregationEvent",
        "eventID": ex.event_id("unpack"),
        "eventTime": "2024-10-14T08:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "DELETE",
        "bizStep": "unpacking",
        "parentID": CASE,
        "childEPCs": [BAGS[0]],
    }
    assert ledger.post("wuchang-mill", unpack).unpacked == ((CASE, BAGS[0]),)
    regrind = {
        "type": "TransformationEvent",
        "eventID": ex.event_id("regrind"),
        "eventTime": "2024-10-14T09:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "bizStep": "transforming",
        "inputEPCList": [BAGS[0]],
        "outputQuantityList": [
            {"epcClass": gtin_uri(ex.RICE_GTIN, lot="RG1"), "quantity": 5, "uom": "KGM"}
        ],
    }
    changes = ledger.post("wuchang-mill", regrind)
    assert changes.consumed == (BAGS[0],)
    assert ledger.state.holder(BAGS[0]) is None
    regrind["eventID"] = ex.event_id("regrind-2")
    regrind["outputQuantityList"][0]["epcClass"] = gtin_uri(ex.RICE_GTIN, lot="RG2")
    error = ledger.denied("wuchang-mill", regrind, "not_in_custody")
    assert "used up by a transformation" in error.message


# --- packing -----------------------------------------------------------------------------------


def test_packing_rules() -> None:
    ledger = run_chain(10)  # bags packed in CASE
    error = ledger.denied(
        "wuchang-mill",
        ex.packing(sscc="069012340000001013", eid=ex.event_id("p2")),
        "already_packed",
    )
    assert error.field == "payload.childEPCs[0]"
    assert ledger.post("wuchang-mill", ex.packing(eid=ex.event_id("same"))).packed == ()
    # A pallet may take the case; the case may then not take the pallet.
    ledger.post(
        "wuchang-mill",
        ex.packing(sscc="069012340000001013", children=[CASE], eid=ex.event_id("pallet")),
    )
    loop = ex.packing(children=[OTHER_SSCC], eid=ex.event_id("loop"))
    error = ledger.denied("wuchang-mill", loop, "already_packed")
    assert "is itself packed inside" in error.message


def test_packing_needs_custody_of_children() -> None:
    ledger = run_chain(9)
    ledger.denied("wuchang-coop", ex.packing(), "not_in_custody")


def test_unpacking_rules() -> None:
    ledger = run_chain(10)
    unpack = {
        "type": "AggregationEvent",
        "eventID": ex.event_id("unpack-all"),
        "eventTime": "2024-10-14T08:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "DELETE",
        "bizStep": "unpacking",
        "parentID": CASE,
        "childEPCs": [gtin_uri(ex.BAG_GTIN, lot=ex.RICE_LOT, serial="999999")],
    }
    ledger.denied("wuchang-mill", unpack, "not_packed")
    del unpack["childEPCs"]
    changes = ledger.post("wuchang-mill", unpack)
    assert changes.unpacked == tuple((CASE, b) for b in BAGS)
    assert ledger.state.contents(CASE) == () and ledger.state.container(BAGS[0]) is None


def test_shipping_a_packed_item_alone_is_refused() -> None:
    ledger = run_chain(10)
    single = ex.shipping(epcs=[BAGS[0]], source_gln=ex.MILL_GLN, destination_gln=ex.RETAILER_GLN)
    error = ledger.denied("wuchang-mill", single, "already_packed")
    assert f"packed in {CASE}" in error.message


# --- shipping, transport, receiving --------------------------------------------------------------


def test_shipping_to_unknown_parties() -> None:
    ledger = run_chain(11)
    stranger = "6901234000078"
    bad_receiver = ex.shipping(epcs=[CASE], source_gln=ex.MILL_GLN, destination_gln=stranger)
    error = ledger.denied("wuchang-mill", bad_receiver, "unknown_party")
    assert error.field == "payload.destinationList[0].destination"
    bad_carrier = ex.shipping(
        epcs=[CASE], source_gln=ex.MILL_GLN, destination_gln=ex.RETAILER_GLN, carrier_gln=stranger
    )
    error = ledger.denied("wuchang-mill", bad_carrier, "unknown_party")
    assert error.field == "payload.tl:carrier"


def test_transport_steps_need_the_carrier_in_transit() -> None:
    ledger = run_chain(11)  # stored, not shipped
    error = ledger.denied("coldchain-express", ex.transporting(), "not_in_custody")
    assert "it is not in transit" in error.message
    ledger = run_chain(12)
    ledger.post("coldchain-express", ex.transporting())
    ledger.post(
        "coldchain-express", ex.transporting(eid=ex.event_id("leg 2")) | {"bizStep": "unloading"}
    )
    # Another carrier (here: any other actor) is not carrying it.
    error = ledger.denied(
        "harbin-warehouse", ex.transporting(eid=ex.event_id("x")), "not_in_custody"
    )
    assert "carried by coldchain-express" in error.message


def test_sensor_reporting_in_transit_by_the_carrier() -> None:
    ledger = run_chain(12)
    report = ex.transporting(eid=ex.event_id("sr")) | {"bizStep": "sensor_reporting"}
    assert ledger.post("coldchain-express", report).empty
    ledger.denied("fresh-mart-sh", report | {"eventID": ex.event_id("sr2")}, "not_in_custody")


def test_receiving_rules() -> None:
    ledger = run_chain(12)
    wrong = ex.receiving(
        epcs=[CASE], receiver_gln=ex.WAREHOUSE_GLN, time="2024-10-16T09:00:00+08:00"
    )
    error = ledger.denied("harbin-warehouse", wrong, "not_receiver")
    assert "it was shipped to fresh-mart-sh" in error.message
    ledger = run_chain(11)
    early = ex.receiving(epcs=[CASE], receiver_gln=ex.RETAILER_GLN)
    error = ledger.denied("fresh-mart-sh", early, "not_receiver")
    assert "nobody has shipped it" in error.message


def test_labs_inspect_in_transit_without_taking_custody() -> None:
    ledger = run_chain(12)
    lab = ex.inspection(epc_classes=(), eid=ex.event_id("border"))
    del lab["quantityList"]
    lab["epcList"] = [CASE]
    assert ledger.post("hlj-lab", lab).empty
    assert ledger.state.holder(CASE) == "coldchain-express"


def test_retail_selling_needs_the_retailer_to_hold_it() -> None:
    ledger = run_chain(13)  # in transit, not yet received
    ledger.denied("fresh-mart-sh", ex.retail_selling(), "not_in_custody")


def test_farm_work_names_a_crop_class_that_nobody_holds() -> None:
    ledger = run_chain(4)
    spraying = ex.spraying(eid=ex.event_id("s2"))
    assert spraying["quantityList"][0]["epcClass"] == gtin_uri(ex.PADDY_GTIN)
    # The crop is a product class: counted, never held, so farm work changes no custody...
    assert ledger.post("wuchang-coop", spraying).empty
    assert ledger.state.holder(gtin_uri(ex.PADDY_GTIN)) is None
    # ...even after the harvest made a lot of that product.
    assert ledger.post("wuchang-coop", ex.sowing(eid=ex.event_id("s3"))).empty


def test_shipping_to_oneself() -> None:
    ledger = run_chain(4)
    own = ex.shipping(quantities=[(PADDY, 12000, "KGM")], destination_gln=ex.FARM_GLN)
    ledger.post("wuchang-coop", own)
    assert ledger.state.pending_receiver(PADDY) == "wuchang-coop"
