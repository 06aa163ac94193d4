"""The printable 承诺达标合格证 (commitment certificate) of a lot.

Route (lot percent-encoded as in a GS1 Digital Link path; a stable, documented URL that the
console and the producer app link to):

* ``GET /certificates/01/{gtin}/10/{lot}`` - the certificate page, A6 by default,
  ``?paper=a4`` for A4; Chinese first, ``?lang=en`` for English.

What it says comes from the log (``ledger.service.certificates``), the product's names from
the catalogue and the issuer's contact from the operator's table of business contacts. Its QR
code holds the lot's Digital Link on the resolver (as label sheets do), which opens the lot's
verified scan page. Public like label sheets: everything on it is printed on paper that goes
out with the produce; search engines are asked not to index it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ledger import qr
from ledger.catalogue import Catalogue
from ledger.core.certificate import BASES, COMMITMENTS
from ledger.core.gs1 import GS1Identifier, gtin_uri, validate_gtin
from ledger.core.terms import unit_name
from ledger.service.certificates import Certificate, certificate
from web.catalogue import current_catalogue
from web.labels import resolver_base

bp = Blueprint("certificates", __name__)

PAPERS = ("a6", "a4")
# The national template's words (农业农村部's 承诺达标合格证); Chinese is the original.
COMMITMENT_WORDS = {
    "no_banned_inputs": _l(
        "No banned pesticides or veterinary drugs, no withdrawn veterinary drugs and no "
        "illegal additives were used"
    ),
    "residues_within_limits": _l(
        "Residues of permitted pesticides and veterinary drugs are within the limits"
    ),
    "responsible_for_truth": _l("We answer for the truth of this commitment"),
}
BASIS_WORDS = {
    "entrusted_test": _l("Passed a test by an outside lab"),
    "self_test": _l("Passed our own test"),
    "internal_control": _l("Passed internal quality control"),
    "self_commitment": _l("Self-commitment"),
}


@dataclass(frozen=True)
class InputLot:
    """An input lot as the certificate names it, with a link to its own certificate."""

    name: str
    gtin: str
    lot: str
    href: str


def certificate_path(subject: GS1Identifier) -> str:
    """Where the certificate of a lot is on this site (the documented, stable URL)."""
    return "/certificates" + subject.uri("")


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def quantity_words(cert: Certificate, catalogue: Catalogue) -> list[str]:
    """The quantity (数量/重量) lines: amounts by unit of measure, then serialised units."""
    words = [
        f"{_number(a.value)} {unit_name(a.uom, 'en')}" if a.uom else _number(a.value)
        for a in cert.facts.amounts
    ]
    units = cert.facts.units
    if units:
        product = catalogue.get(cert.facts.subject.key)
        if product is not None and product.net_content:
            words.append(_("%(count)s packages of %(each)s", count=units, each=product.net_content))
        else:
            words.append(_("%(count)s packages", count=units))
    return words


@bp.get("/certificates/01/<gtin>/10/<path:lot>")
def lot_certificate(gtin: str, lot: str) -> Response:
    """The certificate page of one lot; 404 (no_certificate) when nothing creates the lot."""
    gtin14 = validate_gtin(gtin, field="gtin")
    gtin_uri(gtin14, lot=lot, field="lot")  # the lot's rules, before any query
    subject = GS1Identifier("01", gtin14, lot=lot)
    ledger = current_app.extensions["ledger"]
    found = certificate(ledger.engine, subject, current_app.extensions["contacts"], ledger.clock())
    catalogue = current_catalogue()
    lang = str(get_locale() or "zh")
    paper = request.args.get("paper", "a6")
    paper = paper if paper in PAPERS else "a6"
    uri = subject.uri(resolver_base())
    inputs = [
        InputLot(
            catalogue.display_name(i.key, lang),
            i.key,
            i.lot or "",
            certificate_path(i) + f"?paper={paper}&lang={lang}",
        )
        for i in found.facts.inputs
    ]
    issuer = found.facts.issuer
    here = certificate_path(subject)
    html = render_template(
        "certificate.html",
        lang=lang,
        cert=found,
        facts=found.facts,
        product=catalogue.get(gtin14),
        product_name=catalogue.display_name(gtin14, lang),
        issuer_name=(issuer.name_en or issuer.name) if lang == "en" else issuer.name,
        quantities=quantity_words(found, catalogue),
        inputs=inputs,
        commitments=[(c, COMMITMENT_WORDS[c]) for c in COMMITMENTS],
        bases=[(b, BASIS_WORDS[b]) for b in BASES],
        qr_svg=Markup(qr.qr_svg_inline(uri)),
        uri=uri,
        paper=paper,
        paper_urls={p: f"{here}?paper={p}&lang={lang}" for p in PAPERS},
        other_lang_url=f"{here}?paper={paper}&lang={'en' if lang == 'zh' else 'zh'}",
        css=url_for("static", filename="certificate.css"),
        paper_css=url_for("static", filename=f"certificate-{paper}.css"),
        script=url_for("static", filename="certificate.js"),
    )
    response = Response(html, mimetype="text/html")
    # The contact may be corrected at any time: no copy is kept anywhere on the way.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
