"""The ledger as one object: a database, the operator's public identity and, on the
operator's own server, its note signer. The web app and the CLI both go through it, and
open its database with ``open_database`` (they import nothing from ``ledger.store``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Engine

from ledger.catalogue import Catalogue
from ledger.core.entries import Entry
from ledger.core.errors import ConflictError, NotFoundError, StoreError
from ledger.core.gs1 import GS1Identifier, parse_identifier
from ledger.core.note import NoteSigner, NoteVerifier
from ledger.core.report import Query
from ledger.core.report import Report as Spreadsheet
from ledger.core.signing import SigningKey
from ledger.core.statements import Statement, sign_statement
from ledger.core.timefmt import format_time
from ledger.core.verify import Report
from ledger.service import audit, export, overview, queries, units
from ledger.service.accounts import Accounts
from ledger.service.bundles import checkpoint_of_size, trace_bundle
from ledger.service.checkpoints import SignedCheckpoint, latest_checkpoint
from ledger.service.enrolments import Enrolments, EnrolmentState
from ledger.service.holdings import Holdings, holdings
from ledger.service.lineage import lineage
from ledger.service.recall_reach import Reach, reach
from ledger.service.recalls import Recall, get_recall, list_recalls, newest_recall_entry
from ledger.service.record import Record, actor_record, entries_at
from ledger.service.reindex import reindex
from ledger.service.report import build_report
from ledger.service.sequencer import Appended, Clock, Sequencer, system_clock
from ledger.service.state import BatchState
from ledger.service.trace import Trace, trace
from ledger.store import db, schema

Progress = Callable[[int, int], None]
DEFAULT_DATABASE_URL = db.DEFAULT_URL  # SQLite under ./instance


def database_url() -> str:
    """The configured database URL: ``LEDGER_DATABASE_URL``, else ``DEFAULT_DATABASE_URL``."""
    return db.database_url()


def open_database(url: str) -> Engine:
    """An engine on the ledger database at ``url`` (SQLite or PostgreSQL), set up for the ledger."""
    return db.make_engine(url)


def genesis_statement(operator_key: SigningKey, origin: str, created: datetime) -> Statement:
    """The statement that opens a log (FORMAT.md 3.1)."""
    payload = {
        "origin": origin,
        "operator_key": operator_key.public_key.b64,
        "created": format_time(created),
    }
    return sign_statement("genesis", payload, operator_key)


class Ledger:
    """One ledger database. ``signer`` is present only where checkpoints are signed."""

    def __init__(
        self,
        engine: Engine,
        *,
        signer: NoteSigner | None = None,
        clock: Clock = system_clock,
        checkpoint_interval: float = 1.0,
    ) -> None:
        if not schema.is_initialised(engine):
            raise StoreError(
                "this database holds no ledger yet: run `ledger init` first", code="not_initialised"
            )
        if not schema.is_current(engine):
            raise StoreError(
                "this database's schema is older than this version of the ledger: run "
                "`ledger init` with the same origin to migrate it",
                code="schema_outdated",
            )
        self.engine = engine
        self.clock = clock
        with engine.connect() as conn:
            genesis = BatchState(conn).genesis()
        if genesis is None:
            raise StoreError(
                "this ledger has no genesis entry: run `ledger init` first", code="not_initialised"
            )
        self.operator = NoteVerifier.for_key(genesis.origin, genesis.operator_key)
        if signer is not None and signer.verifier != self.operator:
            raise ConflictError(
                "the signing key is not this ledger's operator key", code="wrong_operator_key"
            )
        self.signer = signer
        self.sequencer = Sequencer(
            engine, signer=signer, clock=clock, checkpoint_interval=checkpoint_interval
        )

    @classmethod
    def create(
        cls,
        engine: Engine,
        operator_key: SigningKey,
        origin: str,
        *,
        clock: Clock = system_clock,
        checkpoint_interval: float = 1.0,
    ) -> Ledger:
        """Create the schema and the genesis entry (idempotent for the same key and origin)."""
        schema.upgrade(engine)
        signer = NoteSigner(origin, operator_key)
        with engine.connect() as conn:
            existing = BatchState(conn).genesis()
        if existing is None:
            Sequencer(engine, signer=signer, clock=clock).append(
                [genesis_statement(operator_key, origin, clock())]
            )
        elif existing.origin != origin or existing.operator_key != operator_key.public_key:
            raise ConflictError(
                "this database already holds another operator's ledger", code="ledger_exists"
            )
        return cls(engine, signer=signer, clock=clock, checkpoint_interval=checkpoint_interval)

    def with_operator_key(self, key: SigningKey) -> Ledger:
        """This ledger, able to sign checkpoints with ``key`` (which must be the operator's)."""
        return Ledger(
            self.engine,
            signer=NoteSigner(self.operator.name, key),
            clock=self.clock,
            checkpoint_interval=self.sequencer.checkpoint_interval,
        )

    # -- writing -------------------------------------------------------------------------

    def append(self, statements: Sequence[Statement]) -> list[Appended]:
        """Append statements atomically (see ``Sequencer.append``)."""
        return self.sequencer.append(statements)

    def append_operator_statement(self, kind: str, payload: dict[str, Any]) -> Appended:
        """Sign a registry statement (``actor``, ``key``, ``revoke``) with the operator key
        this ledger was opened with and append it; the one path of the CLI and the console.
        ``StoreError`` (no_operator_key) when the key is not held."""
        if self.signer is None:
            raise StoreError(
                "the operator key is not unlocked on this server: start it with LEDGER_PASSPHRASE",
                code="no_operator_key",
            )
        return self.append([sign_statement(kind, payload, self.signer.key)])[0]

    def checkpoint(self) -> SignedCheckpoint:
        """Sign a checkpoint if the log grew since the last one; return the latest."""
        self.sequencer.checkpoint()
        latest = self.latest_checkpoint()
        assert latest is not None
        return latest

    # -- reading -------------------------------------------------------------------------

    def size(self) -> int:
        with self.engine.connect() as conn:
            return queries.log_size(conn)

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        """The newest signed checkpoint (the operator's server first signs one if the log grew)."""
        with self.engine.connect() as conn:
            latest = latest_checkpoint(conn)
            size = queries.log_size(conn)
        if self.signer is not None and (latest is None or latest.tree_size < size):
            self.sequencer.checkpoint()
            with self.engine.connect() as conn:
                latest = latest_checkpoint(conn)
        return latest

    def entries(self, start: int, end: int) -> list[queries.StoredEntry]:
        with self.engine.connect() as conn:
            return queries.entries(conn, start, end)

    def inclusion_proof(self, index: int, tree_size: int) -> tuple[bytes, list[bytes]]:
        with self.engine.connect() as conn:
            return queries.inclusion_proof(conn, index, tree_size)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        with self.engine.connect() as conn:
            return queries.consistency_proof(conn, first, second)

    def root_at(self, tree_size: int) -> bytes:
        """MTH of the first ``tree_size`` entries."""
        with self.engine.connect() as conn:
            return queries.root_at(conn, tree_size)

    def history(self, object_id: str) -> list[queries.StoredEntry]:
        """Every entry about one object, named by any GS1 Digital Link URI for it."""
        key = parse_identifier(object_id, field="object").object_key()
        with self.engine.connect() as conn:
            found = queries.object_history(conn, key)
        if not found:
            raise NotFoundError(f"the ledger has no events about {key}", code="unknown_object")
        return found

    def units_of_lot(self, gtin: str, lot: str) -> list[units.Unit]:
        """The serialised units of one lot, by serial (``NotFoundError`` for an unknown lot)."""
        with self.engine.connect() as conn:
            return units.units_of_lot(conn, gtin, lot)

    def actors(self) -> list[overview.ActorSummary]:
        """Every registered actor with its keys, in registration order."""
        with self.engine.connect() as conn:
            return overview.actors(conn)

    def english_names(self, actor_ids: Iterable[str]) -> dict[str, str]:
        """The registered English business names of these actors, where they have one."""
        with self.engine.connect() as conn:
            return overview.english_names(conn, actor_ids)

    def lots(self) -> list[GS1Identifier]:
        """The lots the log's events name, the most recently mentioned first."""
        with self.engine.connect() as conn:
            return overview.lots(conn)

    def recent_lot(self, gtin: str) -> GS1Identifier | None:
        """The lot of ``gtin`` (GTIN-14) the log mentioned last, or None."""
        with self.engine.connect() as conn:
            return overview.recent_lot(conn, gtin)

    def holdings(self, actor: str) -> Holdings:
        """What a registered actor holds and works at (``NotFoundError`` if unregistered)."""
        with self.engine.connect() as conn:
            return holdings(conn, actor)

    def record(self, actor: str, tree_size: int | None = None) -> Record:
        """An actor's public record (docs/RECORD.md) as of ``tree_size`` (default: the latest
        checkpoint's); 404 ``no_such_actor`` if it is not registered by then."""
        size = self._tree_size(tree_size)
        with self.engine.connect() as conn:
            return actor_record(conn, actor, size)

    def entries_at(self, indices: Iterable[int]) -> list[Entry]:
        """The entries at ``indices``, parsed, in log order (a record's figure lists them)."""
        with self.engine.connect() as conn:
            return entries_at(conn, indices)

    def accounts(self) -> Accounts:
        """The console's operator accounts in this database."""
        return Accounts(self.engine, self.clock)

    def trace(
        self, object_id: str, direction: str, tree_size: int | None = None, depth: int = 64
    ) -> Trace:
        """Everything ``direction`` ("forward" or "backward") of an object, as of
        ``tree_size`` (default: the latest checkpoint's, else the whole log)."""
        tree_size = self._tree_size(tree_size)
        size = self.size()
        with self.engine.connect() as conn:
            return trace(
                conn, object_id, direction, tree_size, depth=depth, with_holders=tree_size == size
            )

    def _tree_size(self, tree_size: int | None) -> int:
        """``tree_size``, or the latest checkpoint's (else the whole log's); 404 if absurd."""
        size = self.size()
        if tree_size is None:
            latest = self.latest_checkpoint()
            tree_size = latest.tree_size if latest is not None else size
        if not 1 <= tree_size <= size:
            raise NotFoundError.of("no_such_tree", size=tree_size)
        return tree_size

    def recalls(
        self, *, in_force: bool | None = None, tree_size: int | None = None
    ) -> tuple[int, list[Recall]]:
        """The recalls as of ``tree_size`` (default: the latest checkpoint's), and that size."""
        size = self._tree_size(tree_size)
        with self.engine.connect() as conn:
            return size, list_recalls(conn, size, in_force=in_force)

    def recalls_reaching(
        self, object_id: str, tree_size: int | None = None
    ) -> tuple[int, list[Recall]]:
        """The recalls that reach the unit or lot ``object_id`` (FORMAT.md 3.7), and the
        tree size they are read at."""
        subject = parse_identifier(object_id, field="object")
        size = self._tree_size(tree_size)
        with self.engine.connect() as conn:
            return size, list(lineage(conn, subject, size).recalls)

    def newest_recall_entry(self) -> int | None:
        """The index of the newest recall statement, if any (one indexed query)."""
        with self.engine.connect() as conn:
            return newest_recall_entry(conn)

    def recall(self, recall_id: str, tree_size: int | None = None) -> tuple[Recall, Reach]:
        """One recall and what it reaches; holders are the current ones at the log's size."""
        size = self._tree_size(tree_size)
        with self.engine.connect() as conn:
            found = get_recall(conn, recall_id, size)
            return found, reach(conn, found, size, holders=size == self.size())

    def report(
        self,
        query: Query,
        catalogue: Catalogue,
    ) -> Spreadsheet:
        """The regulator's spreadsheet of ``query`` (docs/REPORT.md), as of the latest
        signed checkpoint (the whole log before the first one)."""
        latest = self.latest_checkpoint()
        size = self.size()
        tree_size = latest.tree_size if latest is not None else size
        if tree_size == 0:
            raise NotFoundError.of("unknown_object", object=query.lot or f"GTIN {query.gtin}")
        with self.engine.connect() as conn:
            root = latest.root if latest is not None else queries.root_at(conn, tree_size)
            return build_report(
                conn,
                query,
                catalogue,
                tree_size=tree_size,
                root_hex=root.hex(),
                generated=format_time(self.clock()),
                signed=latest is not None,
            )

    def trace_bundle(self, found: Trace) -> bytes:
        """A proof bundle of a trace (FORMAT.md 9 and 12), against the checkpoint of its
        size (``no_such_checkpoint`` when none of that size was signed)."""
        with self.engine.connect() as conn:
            checkpoint = checkpoint_of_size(conn, found.tree_size)
            return trace_bundle(conn, found, checkpoint, self.operator)

    def enrolments(self) -> Enrolments:
        """Phones waiting to have their key added to an actor."""
        return Enrolments(self.engine, self.clock)

    def approve_enrolment(self, short_code: str, operator: str) -> EnrolmentState:
        """Approve a waiting phone: the operator signs its ``key`` statement."""
        return self.enrolments().approve(
            short_code,
            operator,
            lambda actor, public_key: self.append_operator_statement(
                "key", {"actor": actor, "public_key": public_key}
            ),
        )

    # -- auditing and maintenance ------------------------------------------------------------

    def verify(self, progress: Progress | None = None) -> Report:
        """Verify the whole database (see ``ledger.service.audit``)."""
        return audit.verify_database(self.engine, self.operator, progress)

    def export(self, out: IO[str], progress: Progress | None = None) -> int:
        """Write the export file (FORMAT.md section 8)."""
        return export.write_export(self.engine, self.operator, out, progress)

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild every derived table from the log."""
        return reindex(self.engine, self.size(), progress)
