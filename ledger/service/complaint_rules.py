"""This operator's admission rule for complaint outcomes, on top of FORMAT.md 3.9's (the
append pipeline applies it to every ``complaint`` statement; ``ledger reindex`` does not,
since the complaints table is not the log and its rows can be erased)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from ledger.core.complaint import ComplaintOutcome
from ledger.core.complaint_text import contact_spans
from ledger.core.errors import AuthorisationError, NotFoundError, ValidationError
from ledger.store.models import Complaint


def display_number(complaint_id: str) -> str:
    """``K7Q2M9XD3F4A`` as ``K7Q2-M9XD-3F4A``."""
    return "-".join(complaint_id[i : i + 4] for i in range(0, len(complaint_id), 4))


def check_outcome(conn: Connection, outcome: ComplaintOutcome) -> None:
    """This operator's admission rule for a complaint statement (beyond FORMAT.md 3.9): it
    answers a complaint filed here, about that object and of that kind, for an actor the
    complaint concerns; and its public reply holds no contact details."""
    row = conn.execute(
        select(
            Complaint.complaint_id, Complaint.object_id, Complaint.category, Complaint.concerned
        ).where(Complaint.commitment == outcome.commitment)
    ).first()
    if row is None:
        raise NotFoundError(
            "no complaint filed here has this commitment",
            code="unknown_complaint",
            field="payload.commitment",
        )
    if outcome.actor not in row.concerned.split():
        raise AuthorisationError.of(
            "not_concerned", complaint=display_number(row.complaint_id), actor=outcome.actor
        )
    if outcome.object_id != row.object_id or outcome.category != row.category:
        raise ValidationError.of(
            "bad_complaint",
            why=f"the outcome must name the complaint's object {row.object_id} and its kind "
            f"{row.category}",
        )
    if contact_spans(outcome.reply):
        raise ValidationError.of(
            "bad_complaint",
            why="the reply is public and permanent: take out the phone number, e-mail or "
            "messenger ID",
        )
