"""`ledger demo`: a realistic sample ledger for one regional product, Wuchang rice.

A farm co-operative works three plots (sowing, fertilising, spraying with the product,
dose and pre-harvest interval), harvests three paddy lots and ships them to a mill; the
mill mills each lot, a lab tests each milled lot for pesticide residue, the mill bags the
rice into serialised 5 kg bags, packs them into cases, cold-stores them and ships them
to a Shanghai retailer through a cold-chain carrier, whose truck logs one temperature
excursion. The retailer receives the cases and sells bags.

Every statement is deterministic (fixed keys in the demo keystore, fixed event IDs), so
running the demo twice appends nothing the second time: resubmission is idempotent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from ledger import samples as s
from ledger.core.gs1 import gtin_uri, sscc_uri
from ledger.core.gs1_syntax import check_digit
from ledger.core.signing import SigningKey
from ledger.core.statements import Statement, sign_statement
from ledger.keystore import Keystore
from ledger.service.ledger import Ledger

ORIGIN = "demo.traceledger.example/wuchang-rice"
OPERATOR_KEY = "demo-operator"
# The console account `ledger demo` creates, announced with its password like the keys'
# passphrase: anyone who reads the demo's output can log in, so never use it for real.
CONSOLE_ACCOUNT = "demo"
CONSOLE_PASSWORD = "insecure-demo-console-password"
PLOTS = ("plot-07", "plot-08", "plot-12")
HECTARES = (1.6, 2.4, 0.8)  # each plot's area: farm work names the crop and the area worked
BAGS_PER_LOT = 120
BAGS_PER_CASE = 10
SOLD_PER_LOT = 40

Progress = Callable[[int, int], None]


def _key_name(actor: str) -> str:
    return f"demo-{actor}"


def open_or_create(keystore: Keystore, name: str, passphrase: str) -> SigningKey:
    """Load a demo key, creating it on the first run."""
    if not keystore.exists(name):
        keystore.create(name, passphrase)
    return keystore.load(name, passphrase)


@dataclass(frozen=True)
class DemoKeys:
    operator: SigningKey
    producers: dict[str, SigningKey]

    @classmethod
    def load(cls, keystore: Keystore, passphrase: str) -> DemoKeys:
        return cls(
            open_or_create(keystore, OPERATOR_KEY, passphrase),
            {
                actor: open_or_create(keystore, _key_name(actor), passphrase)
                for actor in (*s.ACTORS, *s.RECALLERS)
            },
        )


def _ts(day: date, hour: int, minute: int = 0) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+08:00"


def _lot(plot: str) -> tuple[str, str]:
    n = plot.split("-")[1]
    return f"WC26-P{n}", f"WC26-M{n}"


# The demo businesses' English names (FORMAT.md 3.2 name_en), shown on the English pages.
NAMES_EN = {
    "wuchang-coop": "Wuchang Daohuaxiang Rice Growers' Co-operative",
    "wuchang-mill": "Wuchang Daoxiang Rice Co., Ltd.",
    "hlj-lab": "Heilongjiang Agricultural Products Quality Inspection Centre",
    "coldchain-express": "Cold Chain Express Co., Ltd.",
    "harbin-warehouse": "Harbin Grain Storage Co., Ltd.",
    "fresh-mart-sh": "Fresh Mart Shanghai",
}


def registrations(keys: DemoKeys) -> list[Statement]:
    """Actor registrations and their keys, signed by the operator."""
    out = []
    recallers = [{"actor": actor, **details} for actor, details in s.RECALLERS.items()]
    actors = [{**p, "name_en": NAMES_EN[p["actor"]]} for p in s.actor_payloads()]
    for payload in [*actors, *recallers]:
        out.append(sign_statement("actor", payload, keys.operator))
        out.append(
            sign_statement(
                "key",
                {
                    "actor": payload["actor"],
                    "public_key": keys.producers[payload["actor"]].public_key.b64,
                },
                keys.operator,
            )
        )
    return out


Events = Iterator[tuple[str, dict[str, object]]]


@dataclass(frozen=True)
class _Plot:
    """One plot's season; its position (0, 1, 2) staggers the dates and the quantities."""

    position: int
    name: str

    @property
    def tag(self) -> str:
        return f"2026:{self.name}"

    @property
    def paddy_lot(self) -> str:
        return _lot(self.name)[0]

    @property
    def rice_lot(self) -> str:
        return _lot(self.name)[1]

    @property
    def paddy_kg(self) -> int:
        return 11500 + 400 * self.position

    @property
    def harvest_day(self) -> date:
        return date(2026, 9, 24 + self.position)

    @property
    def mill_day(self) -> date:
        return date(2026, 10, 8 + 2 * self.position)

    @property
    def bag_day(self) -> date:
        return self.mill_day + timedelta(days=3)

    @property
    def serials(self) -> list[str]:
        return [f"{self.position + 1}{n:05d}" for n in range(1, BAGS_PER_LOT + 1)]


@dataclass(frozen=True)
class _Case:
    """A case of bags; cases are numbered 1, 2, ... across the whole season."""

    number: int
    bags: tuple[str, ...]

    @property
    def sscc(self) -> str:
        return _sscc(self.number)


def chain_events() -> Events:
    """The 2026 season's events as (actor, payload), in the order they happened."""
    cases: list[_Case] = []
    for position, name in enumerate(PLOTS):
        plot = _Plot(position, name)
        yield from _farm_work(plot)
        yield from _harvest_and_milling(plot)
        yield from _testing(plot)
        packed = _cases(plot, first_number=len(cases) + 1)
        yield from _bagging_and_packing(plot, packed)
        yield from _storage(plot, packed)
        cases.extend(packed)
    for n, case in enumerate(cases):
        yield from _shipping(n, case)
        yield from _retail(n, case)


def _farm_work(plot: _Plot) -> Events:
    """Sowing, two fertilisings and a spraying of the plot's paddy crop."""
    p, tag = plot.position, plot.tag
    area = HECTARES[p]
    yield (
        "wuchang-coop",
        s.sowing(
            hectares=area,
            plot=plot.name,
            time=_ts(date(2026, 5, 2 + p), 7),
            eid=s.event_id(f"{tag}:sowing"),
        ),
    )
    yield (
        "wuchang-coop",
        s.fertilising(
            plot=plot.name,
            hectares=area,
            time=_ts(date(2026, 6, 10 + p), 6),
            eid=s.event_id(f"{tag}:fert1"),
        ),
    )
    yield (
        "wuchang-coop",
        s.fertilising(
            plot=plot.name,
            hectares=area,
            time=_ts(date(2026, 7, 15 + p), 6),
            kg_per_ha=600,
            product="复合肥 (NPK 15-15-15)",
            eid=s.event_id(f"{tag}:fert2"),
        ),
    )
    yield (
        "wuchang-coop",
        s.spraying(
            plot=plot.name,
            hectares=area,
            time=_ts(date(2026, 8, 18 + p), 16),
            eid=s.event_id(f"{tag}:spray"),
        ),
    )


def _harvest_and_milling(plot: _Plot) -> Events:
    """The paddy harvested, shipped to the mill, received there and milled into rice."""
    paddy = gtin_uri(s.PADDY_GTIN, lot=plot.paddy_lot)
    yield (
        "wuchang-coop",
        s.harvest(
            lot=plot.paddy_lot,
            plot=plot.name,
            kg=plot.paddy_kg,
            harvest_date=plot.harvest_day.isoformat(),
            time=_ts(plot.harvest_day, 18),
            eid=s.event_id(f"{plot.tag}:harvest"),
        ),
    )
    ship_day = plot.harvest_day + timedelta(days=2)
    yield (
        "wuchang-coop",
        s.shipping(
            quantities=[(paddy, plot.paddy_kg, "KGM")],
            time=_ts(ship_day, 8),
            eid=s.event_id(f"{plot.tag}:ship-paddy"),
        ),
    )
    yield (
        "wuchang-mill",
        s.receiving(
            quantities=[(paddy, plot.paddy_kg, "KGM")],
            time=_ts(ship_day, 14),
            eid=s.event_id(f"{plot.tag}:receive-paddy"),
        ),
    )
    yield (
        "wuchang-mill",
        s.milling(
            paddy_lot=plot.paddy_lot,
            paddy_kg=plot.paddy_kg,
            rice_lot=plot.rice_lot,
            rice_kg=7500 + 260 * plot.position,
            time=_ts(plot.mill_day, 10),
            eid=s.event_id(f"{plot.tag}:mill"),
        ),
    )


def _report_number(plot: _Plot) -> str:
    return f"2026-WC-{plot.position + 1:04d}"


def lab_report(plot: _Plot) -> bytes:
    """The lab's report on the plot's milled rice: a one-page PDF, the same bytes every time
    (no dates or IDs of its own), so that the event can carry its SHA-256."""
    lines = [
        "Heilongjiang Rice Testing Laboratory (demo)",
        f"Pesticide residue test report {_report_number(plot)}",
        f"Sample: milled rice, lot {plot.rice_lot}",
        "tricyclazole 0.2 mg/kg (limit 2.0)",
        "cadmium 0.05 mg/kg (limit 0.2)",
        "Result: pass",
    ]
    text = " ".join(f"({line}) '" for line in lines)  # none holds ( ) or \\
    stream = f"BT /F1 12 Tf 72 780 Td 18 TL {text} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def lab_reports() -> list[bytes]:
    """Every lab report the demo's inspections cite, to put in its document store."""
    return [lab_report(_Plot(position, name)) for position, name in enumerate(PLOTS)]


def _testing(plot: _Plot) -> Events:
    """The lab's pesticide residue test of the milled lot, citing its report by hash."""
    yield (
        "hlj-lab",
        s.inspection(
            epc_classes=[gtin_uri(s.RICE_GTIN, lot=plot.rice_lot)],
            time=_ts(plot.mill_day + timedelta(days=2), 15),
            report_sha256=hashlib.sha256(lab_report(plot)).hexdigest(),
            certificate=f"https://lab.example/reports/{_report_number(plot)}",
            eid=s.event_id(f"{plot.tag}:inspect"),
        ),
    )


def _cases(plot: _Plot, first_number: int) -> list[_Case]:
    """The plot's bags, BAGS_PER_CASE to a case, numbered on from ``first_number``."""
    bags = s.bag_ids(lot=plot.rice_lot, serials=plot.serials)
    starts = range(0, len(bags), BAGS_PER_CASE)
    return [
        _Case(first_number + k, tuple(bags[start : start + BAGS_PER_CASE]))
        for k, start in enumerate(starts)
    ]


def _bagging_and_packing(plot: _Plot, cases: list[_Case]) -> Events:
    """The milled rice filled into serialised bags, and the bags packed into cases."""
    yield (
        "wuchang-mill",
        s.bagging(
            rice_lot=plot.rice_lot,
            serials=plot.serials,
            time=_ts(plot.bag_day, 9),
            eid=s.event_id(f"{plot.tag}:bag"),
        ),
    )
    for case in cases:
        yield (
            "wuchang-mill",
            s.packing(
                sscc=case.sscc,
                children=case.bags,
                time=_ts(plot.bag_day, 10, case.number % 60),
                eid=s.event_id(f"2026:pack:{case.sscc}"),
            ),
        )


def _storage(plot: _Plot, cases: list[_Case]) -> Events:
    """The plot's cases in the mill's cold store, with its temperature readings."""
    yield (
        "wuchang-mill",
        s.storing(
            epcs=[sscc_uri(case.sscc) for case in cases],
            time=_ts(plot.bag_day, 20),
            readings=[(_ts(plot.bag_day, h), 11.0 + h / 10) for h in (12, 16, 20)],
            eid=s.event_id(f"{plot.tag}:store"),
        ),
    )


def _ship_day(n: int) -> date:
    """The day the season's ``n``-th case (from 0) leaves the mill."""
    return date(2026, 11, 2 + n % 10)


def _shipping(n: int, case: _Case) -> Events:
    """The ``n``-th case shipped to the retailer by the cold-chain carrier, and received."""
    sscc, day = case.sscc, _ship_day(n)
    yield (
        "wuchang-mill",
        s.shipping(
            epcs=[sscc_uri(sscc)],
            source_gln=s.MILL_GLN,
            destination_gln=s.RETAILER_GLN,
            carrier_gln=s.CARRIER_GLN,
            time=_ts(day, 8, n % 60),
            despatch_advice=f"urn:epcglobal:cbv:bt:{s.MILL_GLN}:DA-2026-{n + 1:04d}",
            eid=s.event_id(f"2026:ship:{sscc}"),
        ),
    )
    # One truck's cooling failed for a few hours: recorded and flagged, not rejected.
    peak = 19.5 if n == 7 else 12.0 + (n % 3) / 2
    yield (
        "coldchain-express",
        s.transporting(
            epcs=[sscc_uri(sscc)],
            time=_ts(day, 22, n % 60),
            readings=[(_ts(day, 12), 11.5), (_ts(day, 17), peak), (_ts(day, 22), 12.5)],
            eid=s.event_id(f"2026:transport:{sscc}"),
        ),
    )
    yield (
        "fresh-mart-sh",
        s.receiving(
            epcs=[sscc_uri(sscc)],
            receiver_gln=s.RETAILER_GLN,
            time=_ts(day + timedelta(days=1), 9, n % 60),
            eid=s.event_id(f"2026:receive:{sscc}"),
        ),
    )


def _retail(n: int, case: _Case) -> Events:
    """Half the bags of the first cases of each lot sold, the day after they arrive."""
    if n % (BAGS_PER_LOT // BAGS_PER_CASE) >= SOLD_PER_LOT // BAGS_PER_CASE:
        return
    sale_day = _ship_day(n) + timedelta(days=2)
    for k, bag in enumerate(case.bags[: BAGS_PER_CASE // 2]):
        yield (
            "fresh-mart-sh",
            s.retail_selling(
                epc=bag, time=_ts(sale_day, 10 + k), eid=s.event_id(f"2026:sell:{bag}")
            ),
        )


def _sscc(n: int) -> str:
    body = f"06901234{n:09d}"
    return body + str(check_digit(body))


# The lot the regulator recalls at the end of the season (plot 12's milled rice: its bags
# show the recall), and the farm work the farm corrects (a dose typed wrong on plot 08).
RECALLED_PLOT = "plot-12"
RECALL_ID = "HLJ-SAMR-2026-031"
CORRECTED_EVENT = s.event_id("2026:plot-08:fert2")


def statements(keys: DemoKeys) -> list[Statement]:
    """Every statement of the sample, signed, in log order."""
    out = registrations(keys) + [
        sign_statement("event", payload, keys.producers[actor]) for actor, payload in chain_events()
    ]
    return out + after_the_season(keys, out)


def after_the_season(keys: DemoKeys, season: list[Statement]) -> list[Statement]:
    """A correction of a mistyped dose (with the corrected record), and a recall of one
    milled lot by the market regulator (FORMAT.md 3.7, 3.8)."""
    # Entry 0 is the genesis: the season's statements are entries 1, 2, ...
    wrong = 1 + next(
        n for n, st in enumerate(season) if st.payload.get("eventID") == CORRECTED_EVENT
    )
    fixed = s.fertilising(
        plot="plot-08",
        time=_ts(date(2026, 7, 16), 6),
        kg_per_ha=450,
        product="复合肥 (NPK 15-15-15)",
        eid=s.event_id("2026:plot-08:fert2:corrected"),
    )
    farm = keys.producers["wuchang-coop"]
    recalled = gtin_uri(s.RICE_GTIN, lot=_lot(RECALLED_PLOT)[1])
    return [
        sign_statement("event", fixed, farm),
        sign_statement(
            "correction",
            s.correction(
                wrong,
                explanation="施肥量录入错误：应为每公顷 450 千克，不是 600 千克 "
                "(the dose was typed wrong: 450 kg/ha, not 600)",
                corrective=[fixed["eventID"]],
            ),
            farm,
        ),
        sign_statement(
            "recall",
            s.recall(RECALL_ID, level=2, objects=[recalled]),
            keys.producers["hlj-samr"],
        ),
    ]


def recalled_unit_path() -> str:
    """A bag of the recalled lot, as its label's QR code carries it."""
    serial = _Plot(PLOTS.index(RECALLED_PLOT), RECALLED_PLOT).serials[0]
    return f"/01/{s.BAG_GTIN}/10/{_lot(RECALLED_PLOT)[1]}/21/{serial}"


def statement_count(keys: DemoKeys) -> int:
    return len(statements(keys))


def build(ledger: Ledger, keys: DemoKeys, progress: Progress | None = None) -> tuple[int, int]:
    """Append the whole sample (idempotently); return (statements, newly appended)."""
    statements_ = statements(keys)
    created = 0
    for start in range(0, len(statements_), 50):
        created += sum(a.created for a in ledger.append(statements_[start : start + 50]))
        if progress is not None:
            progress(min(start + 50, len(statements_)), len(statements_))
    ledger.checkpoint()
    return len(statements_), created


def sample_unit_gtin_serial() -> tuple[str, str]:
    """A bag of the demo whose journey is worth showing (it rode the truck that overheated)."""
    return s.BAG_GTIN, "100071"


def sample_unit_path() -> str:
    """The sample bag's Digital Link path, as its label's QR code carries it."""
    gtin, serial = sample_unit_gtin_serial()
    return f"/01/{gtin}/10/{_lot(PLOTS[0])[1]}/21/{serial}"


def sample_lot() -> tuple[str, str]:
    """(GTIN, lot) of the bags the sample bag belongs to."""
    return s.BAG_GTIN, _lot(PLOTS[0])[1]


def ensure_console_account(ledger: Ledger) -> bool:
    """Create the demo's console account if it is missing; True if it was created."""
    accounts = ledger.accounts()
    if accounts.get(CONSOLE_ACCOUNT) is not None:
        return False
    accounts.add(CONSOLE_ACCOUNT, CONSOLE_PASSWORD)
    return True
