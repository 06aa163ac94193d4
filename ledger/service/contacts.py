"""Actors' business contacts for their certificates, kept off the log.

A 承诺达标合格证 names its issuer's contact (联系方式). The log is public and permanent, and
a small co-operative's "business" phone is often a member's own, so the contact lives in
this table, edited by the operator in the console, where it can be corrected or erased
(FORMAT.md keeps personal data off the log). Certificates read it when they are printed.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select, update

from ledger.core.certificate import Contact, check_contact
from ledger.core.timefmt import format_time
from ledger.service.sequencer import Clock, system_clock
from ledger.store.models import BusinessContact


class Contacts:
    """The business contacts of one ledger database, by actor ID."""

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock

    def get(self, actor: str) -> Contact:
        """The actor's contact (empty when none is kept)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(BusinessContact.phone, BusinessContact.address).where(
                    BusinessContact.actor == actor
                )
            ).first()
        return Contact() if row is None else Contact(row.phone, row.address)

    def set(self, actor: str, phone: str | None, address: str | None, by: str) -> Contact:
        """Keep (or, both blank, erase) the actor's contact; checked before anything is written."""
        contact = check_contact(phone, address)
        with self.engine.begin() as conn:
            if contact == Contact():
                conn.execute(delete(BusinessContact).where(BusinessContact.actor == actor))
                return contact
            values = {
                "phone": contact.phone,
                "address": contact.address,
                "updated": format_time(self.clock()),
                "updated_by": by,
            }
            found = conn.execute(
                select(BusinessContact.actor).where(BusinessContact.actor == actor)
            ).first()
            if found is None:
                conn.execute(insert(BusinessContact).values(actor=actor, **values))
            else:
                conn.execute(
                    update(BusinessContact).where(BusinessContact.actor == actor).values(values)
                )
        return contact
