"""The one CBV vocabulary module, and how the step table and the event model use it."""

from __future__ import annotations

from ledger.core import cbv, policy
from ledger.core.event_members import SENSOR_TYPES


def test_the_step_table_uses_cbv_steps_and_the_ledgers_own() -> None:
    steps = set(policy.BIZ_STEPS)
    assert steps <= cbv.BIZ_STEPS | cbv.LEDGER_STEPS
    assert steps >= cbv.LEDGER_STEPS  # every step of our own is postable by someone
    assert not cbv.LEDGER_STEPS & cbv.BIZ_STEPS
    assert set(policy.FARM_STEPS) <= cbv.LEDGER_STEPS
    # Our steps are tl: terms, but for `transforming`, which payloads write bare.
    assert {s for s in cbv.LEDGER_STEPS if not s.startswith("tl:")} == {"transforming"}


def test_accepted_sensor_types_are_gs1_measurement_types() -> None:
    assert set(SENSOR_TYPES) <= cbv.MEASUREMENT_TYPES


def test_web_uris_of_the_bare_words() -> None:
    assert cbv.BIZ_STEP_URIS["shipping"] == "https://ref.gs1.org/cbv/BizStep-shipping"
    assert cbv.DISPOSITION_URIS["in_transit"] == "https://ref.gs1.org/cbv/Disp-in_transit"
    assert cbv.BTT_URIS["po"] == "https://ref.gs1.org/cbv/BTT-po"
    assert cbv.SDT_URIS["owning_party"] == "https://ref.gs1.org/cbv/SDT-owning_party"
    assert cbv.MEASUREMENT_URIS["Temperature"] == "https://gs1.org/voc/Temperature"
    assert cbv.EXCEPTION_URIS["ALARM_CONDITION"] == "https://gs1.org/voc/ALARM_CONDITION"
    assert cbv.COMPONENT_URIS["latitude"] == "https://ref.gs1.org/cbv/Comp-latitude"
    for table, words in (
        (cbv.BIZ_STEP_URIS, cbv.BIZ_STEPS),
        (cbv.DISPOSITION_URIS, cbv.DISPOSITIONS),
        (cbv.BTT_URIS, cbv.BIZ_TRANSACTION_TYPES),
        (cbv.SDT_URIS, cbv.SOURCE_DESTINATION_TYPES),
        (cbv.MEASUREMENT_URIS, cbv.MEASUREMENT_TYPES),
        (cbv.EXCEPTION_URIS, cbv.SENSOR_EXCEPTIONS),
        (cbv.COMPONENT_URIS, cbv.COMPONENTS),
    ):
        assert set(table) == words


def test_vocabulary_sizes() -> None:
    # CBV 2.0 as the EPCIS 2.0 standard context lists it; a change here is a change of
    # what validates and of what the event hash expands.
    assert len(cbv.BIZ_STEPS) == 41
    assert len(cbv.DISPOSITIONS) == 33
    assert len(cbv.BIZ_TRANSACTION_TYPES) == 13
    assert {"owning_party", "possessing_party", "location"} == cbv.SOURCE_DESTINATION_TYPES
