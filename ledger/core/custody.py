"""Custody: who holds which object, and which events an actor may post about it.

`custody_effects` is pure: given an event, its poster, a way to resolve party GLNs to
actors, and a read-only view of the current custody state, it either raises
`AuthorisationError` naming the rule broken or returns the `CustodyChanges` the event
causes. The caller stores them (`MemoryCustody.apply` does so in memory). Rules are
documented in docs/EVENTS.md, section "Custody".

Simplification, documented: a lot (a GTIN + lot number counted by quantity) is held as a
whole by one actor; quantities are recorded but not balanced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from ledger.core.errors import AuthorisationError
from ledger.core.events import Event
from ledger.core.policy import FARM_STEPS

__all__ = [
    "CustodyChanges",
    "CustodyState",
    "MemoryCustody",
    "custody_effects",
]


class CustodyState(Protocol):
    """Read-only view of custody as of the entry before the event being checked."""

    def exists(self, object_id: str) -> bool:
        """True once the object was created (commissioned, produced, packed into), even if
        it was used up since."""
        ...

    def holder(self, object_id: str) -> str | None:
        """The actor holding the object; None if unknown or used up by a transformation."""
        ...

    def pending_receiver(self, object_id: str) -> str | None:
        """The actor a shipment of the object is addressed to, until it posts receiving."""
        ...

    def contents(self, object_id: str) -> tuple[str, ...]:
        """The objects packed directly inside ``object_id`` (a case or pallet)."""
        ...

    def container(self, object_id: str) -> str | None:
        """The case or pallet ``object_id`` is packed in, if any."""
        ...


@dataclass(frozen=True)
class CustodyChanges:
    """What an accepted event changes; apply in field order."""

    created: tuple[str, ...] = ()  # new objects
    consumed: tuple[str, ...] = ()  # instance inputs of a transformation: no holder any more
    holders: tuple[tuple[str, str], ...] = ()  # (object_id, new holder)
    unpacked: tuple[tuple[str, str], ...] = ()  # (parent, child) removed
    packed: tuple[tuple[str, str], ...] = ()  # (parent, child) added
    pending: tuple[tuple[str, str | None], ...] = ()  # (object_id, receiver); None: received

    @property
    def empty(self) -> bool:
        """True when the event changes no custody at all (inspections, farm work)."""
        return not (
            self.created
            or self.consumed
            or self.holders
            or self.unpacked
            or self.packed
            or self.pending
        )


def _deny(code: str, message: str, field: str | None) -> AuthorisationError:
    return AuthorisationError(message, code=code, field=field)


def _is_class(object_id: str) -> bool:
    """Lots and product classes are /01/{gtin} with no serial and are counted by quantity."""
    parts = object_id.split("/")
    return len(parts) > 3 and parts[3] == "01" and "21" not in parts[5::2]


def _paths(event: Event, prefix: str) -> dict[str, str]:
    """Map each object identifier to the JSON path where the event names it first."""
    out: dict[str, str] = {}

    def add(ids: Iterable[str], member: str, suffix: str = "") -> None:
        for i, oid in enumerate(ids):
            out.setdefault(oid, f"{prefix}.{member}[{i}]{suffix}")

    add(event.epc_list, "epcList")
    add((q.epc_class for q in event.quantity_list), "quantityList", ".epcClass")
    if event.parent_id is not None:
        out.setdefault(event.parent_id, f"{prefix}.parentID")
    add(event.child_epcs, "childEPCs")
    add((q.epc_class for q in event.child_quantity_list), "childQuantityList", ".epcClass")
    add(event.input_epc_list, "inputEPCList")
    add((q.epc_class for q in event.input_quantity_list), "inputQuantityList", ".epcClass")
    add(event.output_epc_list, "outputEPCList")
    add((q.epc_class for q in event.output_quantity_list), "outputQuantityList", ".epcClass")
    return out


class _Check:
    """The rules, bound to one event, poster and state."""

    def __init__(self, event: Event, actor: str, state: CustodyState, prefix: str) -> None:
        self.event = event
        self.actor = actor
        self.state = state
        self.paths = _paths(event, prefix)
        self.prefix = prefix

    def field(self, object_id: str) -> str | None:
        return self.paths.get(object_id)

    def known(self, object_id: str) -> None:
        if not self.state.exists(object_id):
            raise _deny(
                "unknown_object",
                f"the ledger has no record of {object_id}; it must be commissioned (or produced "
                "by a transformation, or packed) before other events can name it",
                self.field(object_id),
            )

    def held(self, object_id: str, *, in_transit_ok: bool = False, packed_ok: bool = True) -> None:
        """The poster must hold the object (and, unless allowed, it must not be in transit)."""
        self.known(object_id)
        holder = self.state.holder(object_id)
        receiver = self.state.pending_receiver(object_id)
        field = self.field(object_id)
        if holder != self.actor:
            if holder is None and receiver is None:
                why = "it was used up by a transformation"
            elif receiver == self.actor:
                why = f"it is on its way to you; post receiving for it first (held by {holder})"
            else:
                why = f"the ledger shows it held by {holder or 'nobody (in transit)'}"
            raise _deny(
                "not_in_custody",
                f"you ({self.actor}) do not hold {object_id}: {why}",
                field,
            )
        if receiver is not None and not in_transit_ok:
            raise _deny(
                "in_transit",
                f"{object_id} is in transit to {receiver}; it cannot be used for "
                f"{self.event.biz_step} until {receiver} posts receiving",
                field,
            )
        parent = self.state.container(object_id)
        if parent is not None and not packed_ok:
            raise _deny(
                "already_packed",
                f"{object_id} is packed in {parent}; unpack it first, or use {parent} itself",
                field,
            )

    def new_or_own_class(self, object_id: str) -> bool:
        """For created objects: True if new, False if it is a lot the poster already holds."""
        if not self.state.exists(object_id):
            return True
        own_lot = (
            _is_class(object_id)
            and self.state.holder(object_id) == self.actor
            and self.state.pending_receiver(object_id) is None
        )
        if own_lot:
            return False  # more of a lot the poster holds (a harvest over several days)
        raise _deny(
            "object_exists",
            f"{object_id} already exists in the ledger; an identifier can be created only once "
            "(use a new serial number, lot number or SSCC)",
            self.field(object_id),
        )

    def with_contents(self, object_ids: Iterable[str]) -> list[str]:
        """The objects and everything packed inside them, each once."""
        out: dict[str, None] = {}
        stack = list(object_ids)[::-1]
        while stack:
            oid = stack.pop()
            if oid in out:
                continue
            out[oid] = None
            stack.extend(reversed(self.state.contents(oid)))
        return list(out)


def custody_effects(
    event: Event,
    actor_id: str,
    actor_by_gln: Callable[[str], str | None],
    state: CustodyState,
    *,
    field: str = "payload",
) -> CustodyChanges:
    """Check ``actor_id`` may post ``event`` given ``state``; return what it changes.

    ``actor_by_gln`` resolves a party GLN (13 digits) to a registered actor ID.
    Raises AuthorisationError with code not_in_custody, unknown_object, object_exists,
    in_transit, not_receiver, already_packed, not_packed or unknown_party.
    """
    check = _Check(event, actor_id, state, field)
    step = event.biz_step
    if step == "commissioning":
        return _commissioning(event, check)
    if event.event_type == "TransformationEvent":
        return _transforming(event, check)
    if step == "packing":
        return _packing(event, check)
    if step == "unpacking":
        return _unpacking(event, check)
    if step == "shipping":
        return _shipping(event, check, actor_by_gln, field)
    if step in ("loading", "transporting", "unloading"):
        return _carrying(event, check)
    if step == "receiving":
        return _receiving(event, check)

    if step in ("inspecting", "sampling"):
        # Labs examine goods where they are; they never take custody.
        for oid in event.object_ids():
            check.known(oid)
        return CustodyChanges()

    if step == "sensor_reporting":
        for oid in event.objects:
            check.held(oid, in_transit_ok=True)
        return CustodyChanges()

    if step in FARM_STEPS:
        # Farm work names its crop as a product class (the harvest creates the lot), which
        # is counted, never held: nothing to check, nothing changes.
        return CustodyChanges()

    # storing and retail_selling: the poster must hold what it names.
    if step in ("storing", "retail_selling"):
        for oid in event.objects:
            check.held(oid)
        return CustodyChanges()

    raise AssertionError(f"custody has no rule for the step {step!r}")  # pragma: no cover


def _commissioning(event: Event, check: _Check) -> CustodyChanges:
    """New objects (or more of a lot the poster holds), held by the poster."""
    created = tuple(o for o in event.objects if check.new_or_own_class(o))
    return CustodyChanges(created=created, holders=tuple((o, check.actor) for o in created))


def _transforming(event: Event, check: _Check) -> CustodyChanges:
    """Inputs the poster holds (not packed) go in; new outputs come out, held by the poster."""
    for oid in event.inputs:
        check.held(oid, packed_ok=False)
    created = tuple(o for o in event.outputs if check.new_or_own_class(o))
    consumed = tuple(o for o in event.inputs if not _is_class(o))
    return CustodyChanges(
        created=created,
        consumed=consumed,
        holders=tuple((o, check.actor) for o in created),
    )


def _carrying(event: Event, check: _Check) -> CustodyChanges:
    """Loading, transporting, unloading: only by the carrier, while the goods are in transit."""
    for oid in event.objects:
        check.known(oid)
        receiver = check.state.pending_receiver(oid)
        holder = check.state.holder(oid)
        if receiver is None or holder != check.actor:
            why = "it is not in transit" if receiver is None else f"it is carried by {holder}"
            raise _deny(
                "not_in_custody",
                f"{oid} is not in transit with you ({check.actor}): {why}",
                check.field(oid),
            )
    return CustodyChanges()


def _receiving(event: Event, check: _Check) -> CustodyChanges:
    """Only the addressee receives; what arrives, with its contents, is then its own."""
    state, actor_id = check.state, check.actor
    for oid in event.objects:
        check.known(oid)
        receiver = state.pending_receiver(oid)
        if receiver != actor_id:
            why = (
                "nobody has shipped it (the sender posts shipping first)"
                if receiver is None
                else f"it was shipped to {receiver}"
            )
            raise _deny(
                "not_receiver",
                f"you ({actor_id}) cannot receive {oid}: {why}",
                check.field(oid),
            )
    moved = check.with_contents(event.objects)
    # Only what is addressed to the receiver settles; a packed item shipped on its own
    # earlier keeps its own pending receipt.
    moved = [o for o in moved if state.pending_receiver(o) == actor_id]
    return CustodyChanges(
        holders=tuple((o, actor_id) for o in moved),
        pending=tuple((o, None) for o in moved),
    )


def _packing(event: Event, check: _Check) -> CustodyChanges:
    parent = event.parent_id
    assert parent is not None  # parse_event requires it for AggregationEvent
    state = check.state
    created: tuple[str, ...] = ()
    if state.exists(parent):
        check.held(parent)
    else:
        created = (parent,)
    packed: list[tuple[str, str]] = []
    for child in event.children:
        check.held(child)
        current = state.container(child)
        if current == parent:
            continue  # already inside this parent: re-stating it changes nothing
        if current is not None:
            raise _deny(
                "already_packed",
                f"{child} is already packed in {current}; unpack it first",
                check.field(child),
            )
        # Refuse loops: the parent must not itself sit (directly or not) inside the child.
        outer = state.container(parent)
        while outer is not None:
            if outer == child:
                raise _deny(
                    "already_packed",
                    f"{parent} is itself packed inside {child}; it cannot contain it",
                    check.field(child),
                )
            outer = state.container(outer)
        packed.append((parent, child))
    return CustodyChanges(
        created=created,
        holders=tuple((o, check.actor) for o in created),
        packed=tuple(packed),
    )


def _unpacking(event: Event, check: _Check) -> CustodyChanges:
    parent = event.parent_id
    assert parent is not None
    check.held(parent)
    inside = check.state.contents(parent)
    children = event.children or inside
    for child in event.children:
        if child not in inside:
            raise _deny(
                "not_packed",
                f"{child} is not packed in {parent}",
                check.field(child),
            )
    return CustodyChanges(unpacked=tuple((parent, c) for c in children))


def _shipping(
    event: Event,
    check: _Check,
    actor_by_gln: Callable[[str], str | None],
    prefix: str,
) -> CustodyChanges:
    party = event.destination_party
    assert party is not None  # parse_event requires an owning_party destination
    receiver = actor_by_gln(party.gln)
    if receiver is None:
        index = event.destination_list.index(party)
        raise _deny(
            "unknown_party",
            f"the destination party GLN {party.gln} is not registered to any actor; "
            "goods can only be shipped to a registered actor",
            f"{prefix}.destinationList[{index}].destination",
        )
    carrier = check.actor
    if event.carrier_gln is not None:
        found = actor_by_gln(event.carrier_gln)
        if found is None:
            raise _deny(
                "unknown_party",
                f"the carrier GLN {event.carrier_gln} is not registered to any actor",
                f"{prefix}.tl:carrier",
            )
        carrier = found
    for oid in event.objects:
        check.held(oid, packed_ok=False)
    moving = check.with_contents(event.objects)
    return CustodyChanges(
        holders=tuple((o, carrier) for o in moving),
        pending=tuple((o, receiver) for o in moving),
    )


class MemoryCustody:
    """An in-memory `CustodyState` that can apply `CustodyChanges` (tests, rebuilds)."""

    def __init__(self) -> None:
        self._exists: set[str] = set()
        self._holder: dict[str, str] = {}
        self._pending: dict[str, str] = {}
        self._contents: dict[str, list[str]] = {}
        self._container: dict[str, str] = {}

    def exists(self, object_id: str) -> bool:
        """True once the object was created."""
        return object_id in self._exists

    def holder(self, object_id: str) -> str | None:
        """The current holder, if any."""
        return self._holder.get(object_id)

    def pending_receiver(self, object_id: str) -> str | None:
        """The addressee of a shipment not yet received."""
        return self._pending.get(object_id)

    def contents(self, object_id: str) -> tuple[str, ...]:
        """Objects packed directly inside ``object_id``."""
        return tuple(self._contents.get(object_id, ()))

    def container(self, object_id: str) -> str | None:
        """The parent ``object_id`` is packed in."""
        return self._container.get(object_id)

    def apply(self, changes: CustodyChanges) -> None:
        """Record the changes of one accepted event."""
        self._exists.update(changes.created)
        for oid in changes.consumed:
            self._holder.pop(oid, None)
            self._pending.pop(oid, None)
        for oid, holder in changes.holders:
            self._holder[oid] = holder
        for parent, child in changes.unpacked:
            box = self._contents.get(parent, [])
            if child in box:
                box.remove(child)
            self._container.pop(child, None)
        for parent, child in changes.packed:
            self._contents.setdefault(parent, []).append(child)
            self._container[child] = parent
        for oid, receiver in changes.pending:
            if receiver is None:
                self._pending.pop(oid, None)
            else:
                self._pending[oid] = receiver
