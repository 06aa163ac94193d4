"""The database schema (SQLAlchemy 2.x declarative). Alembic migrations create it.

``log_entries`` is the source of truth: the exact entry bytes. Every other table is
derived from it and can be rebuilt (``ledger reindex``). Unique constraints make a fork
impossible to store: one entry per index, one successor per entry hash, one entry per
statement.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Float,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY; elsewhere ids are 64-bit.
_ID = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    pass


class LogEntry(Base):
    __tablename__ = "log_entries"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    statement_id: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    signer: Mapped[str] = mapped_column(String(32), nullable=False)
    time: Mapped[str] = mapped_column(String(24), nullable=False)


class MerkleNode(Base):
    """Hashes of perfect subtrees: (level, index) covers the leaves
    [index*2^level, (index+1)*2^level)."""

    __tablename__ = "merkle_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class CheckpointRecord(Base):
    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    signed_at: Mapped[str] = mapped_column(String(24), nullable=False)


class ActorRow(Base):
    __tablename__ = "actors"

    actor: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    roles: Mapped[str] = mapped_column(String(200), nullable=False)  # space-separated
    region: Mapped[str] = mapped_column(String(200), nullable=False)
    gln: Mapped[str] = mapped_column(String(13), nullable=False, unique=True)
    entry_idx: Mapped[int] = mapped_column(BigInteger, nullable=False)


class KeyRow(Base):
    __tablename__ = "keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    actor: Mapped[str] = mapped_column(String(63), nullable=False, index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    entry_idx: Mapped[int] = mapped_column(BigInteger, nullable=False)
    revoked_effective: Mapped[str | None] = mapped_column(String(24))
    revoked_idx: Mapped[int | None] = mapped_column(BigInteger)


class ObjectEntry(Base):
    """Which entries mention which object (a GS1 Digital Link URI on id.gs1.org)."""

    __tablename__ = "object_entries"

    object_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    entry_idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class EpcisEventRow(Base):
    """Each event entry as the EPCIS query interface filters it: its eventID, its eventTime
    in UTC epoch milliseconds and its business step (docs/EVENTS.md 13)."""

    __tablename__ = "epcis_events"

    entry_idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    event_time: Mapped[int] = mapped_column(BigInteger, index=True)
    biz_step: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_epcis_events_step", "biz_step", "entry_idx"),)


class CustodyRow(Base):
    """Who holds each object now. A row exists once the object was created; a used-up
    object has no holder; ``container`` is the case or pallet it is packed in."""

    __tablename__ = "custody"

    object_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(63))
    pending_receiver: Mapped[str | None] = mapped_column(String(63))
    container: Mapped[str | None] = mapped_column(String(400), index=True)


class FlagRow(Base):
    """Anomalies recorded and shown, never rejected: a temperature excursion, a failed test.

    A code and its parameters (``ledger.core.flags``), as canonical JSON; no words: the
    web layer words them in the reader's language."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    entry_idx: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    params: Mapped[str] = mapped_column(Text, nullable=False)


class ScanClient(Base):
    """How often one client scanned one code on one UTC day, kept only for the clone-detection
    window. ``client`` is a keyed hash of the client's address and user agent under that
    day's salt, which is deleted after a day or two: it links one day's scans and can never
    be turned back into an address. One row per client, not per scan, so reading a code's
    statistics costs as much as it has distinct clients, however often they scan."""

    __tablename__ = "scan_clients"
    __table_args__ = (Index("ix_scan_clients_last_at", "last_at"),)

    object_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    salt_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    client: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    scans: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_at: Mapped[str] = mapped_column(String(24), nullable=False)


class ScanTotal(Base):
    """All-time scan count and first scan of each code's page (kept; holds no client data)."""

    __tablename__ = "scan_totals"

    object_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    first_scan: Mapped[str] = mapped_column(String(24), nullable=False)
    total: Mapped[int] = mapped_column(BigInteger, nullable=False)


class ScanSalt(Base):
    """The secret salt of one UTC day's client hashes; deleted when the day leaves the window."""

    __tablename__ = "scan_salts"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


# Scan tables are not derived from the log: `ledger reindex` leaves them alone.
class RecallRow(Base):
    """One recall statement (FORMAT.md 3.7): the recall it belongs to and what it says. The
    latest statement of a recall below a tree size is the recall as of that size."""

    __tablename__ = "recall_statements"

    entry_idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recall_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    actor: Mapped[str] = mapped_column(String(63), nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False)
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False)


class RecallObjectRow(Base):
    """An object a recall statement names, to find the recalls reaching a scanned object."""

    __tablename__ = "recall_objects"

    object_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    entry_idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class RecallProductRow(Base):
    """A product range (GTIN and production days) a recall statement names."""

    __tablename__ = "recall_products"

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    entry_idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_day: Mapped[str] = mapped_column(String(10), primary_key=True)


class CorrectionRow(Base):
    """An event declared erroneous (FORMAT.md 3.8): the event's entry and the correction's."""

    __tablename__ = "corrections"

    target_idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_idx: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    actor: Mapped[str | None] = mapped_column(String(63))  # None: the operator
    reason: Mapped[str] = mapped_column(String(20), nullable=False)


class ActorFactRow(Base):
    """One fact of an actor's public record (docs/RECORD.md): what kind, the entry it rests
    on, and what it is about (a lot, a recall, a corrected entry). The record page counts
    these rows instead of reading the log on every view."""

    __tablename__ = "actor_facts"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(63), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    entry_idx: Mapped[int] = mapped_column(BigInteger, nullable=False)
    subject: Mapped[str | None] = mapped_column(String(400))
    detail: Mapped[str | None] = mapped_column(String(400))

    __table_args__ = (
        Index("ix_actor_facts_actor", "actor", "kind", "entry_idx"),
        Index("ix_actor_facts_subject", "subject", "kind"),
    )


class ContainerLotRow(Base):
    """A lot whose units were packed in a case or pallet (SSCC), so that handling the case
    counts as handling those lots on the record of whoever moves it."""

    __tablename__ = "container_lots"

    container: Mapped[str] = mapped_column(String(400), primary_key=True)
    lot: Mapped[str] = mapped_column(String(400), primary_key=True)


class ComplaintOutcomeRow(Base):
    """A complaint's outcome (FORMAT.md 3.9), by the commitment it names: one per complaint."""

    __tablename__ = "complaint_outcomes"

    commitment: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_idx: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    actor: Mapped[str] = mapped_column(String(63), nullable=False, index=True)
    object_id: Mapped[str] = mapped_column(String(400), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    outcome: Mapped[str] = mapped_column(String(10), nullable=False)
    recall_id: Mapped[str | None] = mapped_column(String(64))


DERIVED_TABLES = (
    ActorRow,
    KeyRow,
    ObjectEntry,
    CustodyRow,
    FlagRow,
    MerkleNode,
    EpcisEventRow,
    RecallRow,
    RecallObjectRow,
    RecallProductRow,
    CorrectionRow,
    ActorFactRow,
    ContainerLotRow,
    ComplaintOutcomeRow,
)


class ConsoleAccount(Base):
    """An operator's login to the web console. Not part of the log and not derived from it:
    ``ledger reindex`` leaves it alone. ``password_hash`` is an argon2id PHC string."""

    __tablename__ = "console_accounts"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    created: Mapped[str] = mapped_column(String(24), nullable=False)
    last_login: Mapped[str | None] = mapped_column(String(24))


class Enrolment(Base):
    """A phone's request to add its key to an actor (FORMAT.md section 11), and what the
    operator decided. Not part of the log: the approval itself is the ``key`` entry at
    ``key_index``. ``request`` is the signed request as submitted (JCS text)."""

    __tablename__ = "enrolments"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True, nullable=False)
    actor: Mapped[str] = mapped_column(String(63), nullable=False)
    public_key: Mapped[str] = mapped_column(String(44), nullable=False)
    device: Mapped[str] = mapped_column(String(100), nullable=False)
    requested: Mapped[str] = mapped_column(String(24), nullable=False)
    request: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    decided: Mapped[str | None] = mapped_column(String(24))
    decided_by: Mapped[str | None] = mapped_column(String(63))
    key_index: Mapped[int | None] = mapped_column(BigInteger)


class CatalogueProduct(Base):
    """A product as the operator keeps it in the console; it overrides the catalogue file's
    entry of the same GTIN. Master data, not part of the log: ``ledger reindex`` leaves it."""

    __tablename__ = "catalogue_products"

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(200), nullable=False)
    net_content: Mapped[str | None] = mapped_column(String(50))
    temp_min_c: Mapped[float | None] = mapped_column(Float)
    temp_max_c: Mapped[float | None] = mapped_column(Float)
    updated: Mapped[str] = mapped_column(String(24), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(63), nullable=False)


class BusinessContact(Base):
    """The business phone and address an actor prints on its certificates. Kept off the log
    (a co-operative's phone is often a member's own), so it can be corrected or erased."""

    __tablename__ = "business_contacts"

    actor: Mapped[str] = mapped_column(String(63), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    updated: Mapped[str] = mapped_column(String(24), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(63), nullable=False)


class Complaint(Base):
    """A shopper's complaint (docs/COMPLAINTS.md). Not part of the log and not derived from
    it (``ledger reindex`` leaves it alone): its text, photo and contact are personal, so
    the log holds only the outcome, naming the complaint by ``commitment``. ``contact`` is
    erasable; ``token_hash`` is the SHA-256 of the complainant's private link's secret."""

    __tablename__ = "complaints"

    complaint_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    object_id: Mapped[str] = mapped_column(String(400), nullable=False)
    # The actors concerned, space-separated, the maker of the lot first; any of them may
    # give the outcome, for itself (FORMAT.md 3.9's ``actor``).
    concerned: Mapped[str] = mapped_column(String(700), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    contact: Mapped[str | None] = mapped_column(String(200))
    salt: Mapped[bytes] = mapped_column(LargeBinary(16), nullable=False)
    commitment: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    created: Mapped[str] = mapped_column(String(24), nullable=False)
