"""The operator console (/console): log in, see the log, the registry, lots and units;
register actors, approve phones and revoke keys. Server-rendered forms; the one script
reads a phone's enrolment QR code with the camera where the browser can.

Registry statements are signed with the operator key the server was started with and
appended by ``Ledger.append_operator_statement``, the same call as ``ledger actor``'s. A
rejected statement is shown on its form with the ledger's rule (code and words) and answers
422; the log is appended to all at once or not at all, so nothing partial is stored.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import TooManyRequests
from wtforms import PasswordField, SelectChoice, SelectMultipleField, StringField, widgets

from ledger.core import policy
from ledger.core.errors import LedgerError, NotFoundError, ValidationError
from ledger.core.gs1 import GS1Identifier
from ledger.core.products import Product, parse_celsius
from ledger.core.timefmt import format_time, parse_event_time
from ledger.service.ledger import Ledger
from web import console_auth
from web.catalogue import current_catalogue, products
from web.certificates import certificate_path
from web.console_auth import ConsoleUser
from web.console_words import rule_message
from web.reports import download, parse_request

bp = Blueprint("console", __name__, url_prefix="/console")

REPORT_FIELDS = ("lot", "product", "from", "to", "format", "lang")

ROLE_WORDS = {
    "farm": _l("farm or co-operative"),
    "processor": _l("processor (drying, milling)"),
    "packer": _l("packer"),
    "carrier": _l("carrier"),
    "warehouse": _l("warehouse or cold store"),
    "lab": _l("inspection lab"),
    "retailer": _l("retailer"),
    "regulator": _l("market regulator (may recall)"),
    "brand": _l("brand owner (may recall)"),
}


class LoginForm(FlaskForm):
    name = StringField(_l("Account"))
    password = PasswordField(_l("Password"))


class ActorForm(FlaskForm):
    # No validators here: the ledger's registry rules judge the statement, and their
    # errors are shown on the fields they name.
    actor = StringField(_l("Actor ID"))
    name_zh = StringField(_l("Business name (Chinese)"))
    name_en = StringField(_l("Business name (English, optional)"))
    roles = SelectMultipleField(
        _l("Roles"),
        choices=[SelectChoice(role, ROLE_WORDS[role]) for role in policy.ROLES],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validate_choice=False,
    )
    region = StringField(_l("Region"))
    gln = StringField(_l("GLN (13 digits)"))


class RevokeForm(FlaskForm):
    actor = StringField(_l("Actor ID"))
    key_id = StringField(_l("Key ID"))
    effective = StringField(_l("Invalid from (ISO 8601 time with UTC offset)"))
    reason = StringField(_l("Reason"))


class ProductForm(FlaskForm):
    # Checked by ledger.core.products, whose errors name these fields.
    gtin = StringField(_l("GTIN (8 to 14 digits)"))
    name_zh = StringField(_l("Product name (Chinese)"))
    name_en = StringField(_l("Product name (English)"))
    net_content = StringField(_l("Net content (optional)"))
    temp_min_c = StringField(_l("Lowest allowed temperature, °C (optional)"))
    temp_max_c = StringField(_l("Highest allowed temperature, °C (optional)"))


class ContactForm(FlaskForm):
    phone = StringField(_l("Business phone"))
    address = StringField(_l("Business address"))


# Which form field shows a rule error naming a payload member.
FIELD_OF = {
    "payload.actor": "actor",
    "payload.name": "name_zh",
    "payload.name_en": "name_en",
    "payload.roles": "roles",
    "payload.region": "region",
    "payload.gln": "gln",
    "payload.key_id": "key_id",
    "payload.effective": "effective",
    "payload.reason": "reason",
    # The catalogue editor and the contact form: the rules name the fields themselves.
    **{
        name: name
        for name in (
            "gtin",
            "name_zh",
            "name_en",
            "net_content",
            "temp_min_c",
            "temp_max_c",
            "phone",
            "address",
        )
    },
}


def ledger() -> Ledger:
    return current_app.extensions["ledger"]  # type: ignore[no-any-return]


def load_account(name: str) -> ConsoleUser | None:
    """Flask-Login's user loader: the account still exists, or the session ends."""
    account = ledger().accounts().get(name)
    return None if account is None else ConsoleUser(account)


def page(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    lang = str(get_locale() or "zh")
    other = "en" if lang == "zh" else "zh"
    html = render_template(
        template,
        lang=lang,
        other_lang_url=url_for(request.endpoint or "console.home", **(request.view_args or {}))
        + f"?lang={other}",
        signing=ledger().signer is not None,
        status_words=STATUS_WORDS,
        current_user=current_user,
        **context,
    )
    return html, status


@bp.before_request
def remember_language() -> None:
    """A language chosen with ?lang= stays for the rest of the console session."""
    asked = request.args.get("lang")
    if asked in ("zh", "en"):
        session["lang"] = asked


@bp.after_request
def same_origin_referrer(response: Response) -> Response:
    # Flask-WTF checks the Referer of HTTPS form posts; the site's no-referrer policy
    # would leave it out, so the console sends it to its own origin only.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(TooManyRequests)
def too_many(error: TooManyRequests) -> ResponseReturnValue:
    """The login throttle: the login page again, saying why, with 429."""
    return page("console/login.html", 429, form=LoginForm(), throttled=True)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The login form; a failed login answers 401 (and counts towards the throttle that
    ``register`` puts on this view)."""
    form = LoginForm()
    if not form.validate_on_submit():
        return page("console/login.html", 400 if request.method == "POST" else 200, form=form)
    account = ledger().accounts().authenticate(form.name.data or "", form.password.data or "")
    if account is None:
        return page("console/login.html", 401, form=form, failed=True)
    lang = session.get("lang")
    session.clear()  # nothing from before the login survives it
    if lang:
        session["lang"] = lang
    session.permanent = True  # expires PERMANENT_SESSION_LIFETIME after the last request
    login_user(ConsoleUser(account))
    return redirect(url_for("console.home"))


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    return redirect(url_for("console.login"))


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    """The log's latest checkpoint and size."""
    return page(
        "console/home.html",
        checkpoint=ledger().latest_checkpoint(),
        size=ledger().size(),
        operator=ledger().operator,
    )


@bp.get("/actors")
@login_required
def actors() -> ResponseReturnValue:
    return page(
        "console/actors.html",
        actors=ledger().actors(),
        role_words=ROLE_WORDS,
        devices=ledger().enrolments().device_names(),
    )


def show_rejection(form: FlaskForm, error: LedgerError, field: str | None = None) -> None:
    """Put the rule's message on the field it names (or ``field``, or the form as a whole)."""
    name = field or FIELD_OF.get(error.field or "")
    target = getattr(form, name) if name else None
    message = rule_message(error)
    if target is not None:
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)


@bp.route("/actors/new", methods=["GET", "POST"])
@login_required
def register_actor() -> ResponseReturnValue:
    """Register an actor: an ``actor`` statement signed with the operator key."""
    form = ActorForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return page("console/actor_new.html", status, form=form)
    payload = {
        "actor": (form.actor.data or "").strip(),
        "name": (form.name_zh.data or "").strip(),
        "roles": list(form.roles.data or []),
        "region": (form.region.data or "").strip(),
        "gln": (form.gln.data or "").strip(),
    }
    # The English business name is optional on the log (FORMAT.md 3.2): left out when blank.
    if name_en := (form.name_en.data or "").strip():
        payload["name_en"] = name_en
    try:
        appended = ledger().append_operator_statement("actor", payload)
    except LedgerError as error:
        show_rejection(form, error)
        return page("console/actor_new.html", 422, form=form)
    return page("console/done.html", appended=appended, what="actor", subject=payload["actor"])


@bp.route("/revoke", methods=["GET", "POST"])
@login_required
def revoke_key() -> ResponseReturnValue:
    """Revoke a key from a given time on: a ``revoke`` statement signed with the operator key."""
    form = RevokeForm()
    if request.method == "GET":
        form.actor.data = request.args.get("actor", "")
        form.key_id.data = request.args.get("key_id", "")
        form.effective.data = format_time(ledger().clock())
        return page("console/revoke.html", form=form)
    if not form.validate_on_submit():
        return page("console/revoke.html", 400, form=form)
    try:
        effective = parse_event_time((form.effective.data or "").strip(), field="payload.effective")
        payload = {
            "actor": (form.actor.data or "").strip(),
            "key_id": (form.key_id.data or "").strip(),
            "effective": format_time(effective),
            "reason": (form.reason.data or "").strip(),
        }
        appended = ledger().append_operator_statement("revoke", payload)
    except LedgerError as error:
        show_rejection(form, error)
        return page("console/revoke.html", 422, form=form)
    return page("console/done.html", appended=appended, what="revoke", subject=payload["key_id"])


STATUS_WORDS = {
    "pending": _l("waiting for approval"),
    "approved": _l("approved: the phone can sign"),
    "rejected": _l("rejected"),
    "expired": _l("expired: the phone must make a new code"),
    "revoked": _l("approved, then revoked"),
}


class CodeForm(FlaskForm):
    code = StringField(_l("Enrolment code shown on the phone"))


class DecisionForm(FlaskForm):
    """Approve or reject one waiting phone (the button pressed says which)."""


@bp.route("/devices", methods=["GET", "POST"])
@login_required
def devices() -> ResponseReturnValue:
    """Phones waiting for approval, and a box to type the code a phone shows."""
    form = CodeForm()
    waiting = ledger().enrolments().waiting()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return page("console/devices.html", status, form=form, waiting=waiting)
    try:
        state = ledger().enrolments().by_code(form.code.data or "")
    except LedgerError as error:
        show_rejection(form, error, field="code")
        return page("console/devices.html", 422, form=form, waiting=waiting)
    return redirect(url_for("console.device", short_code=state.code))


@bp.route("/devices/<short_code>", methods=["GET", "POST"])
@login_required
def device(short_code: str) -> ResponseReturnValue:
    """One phone's enrolment, the URL its QR code holds: check, then approve or reject."""
    form = DecisionForm()
    try:
        state = ledger().enrolments().by_code(short_code)
    except LedgerError as error:
        return page("console/device.html", 404, form=form, state=None, error=rule_message(error))
    if request.method == "GET":
        return page("console/device.html", form=form, state=state)
    if not form.validate_on_submit():
        return page("console/device.html", 400, form=form, state=state)
    try:
        if "reject" in request.form:
            state = ledger().enrolments().reject(state.code, current_user.id)
        else:
            state = ledger().approve_enrolment(state.code, current_user.id)
    except LedgerError as error:
        form.form_errors.append(rule_message(error))
        return page("console/device.html", 409, form=form, state=state)
    return page("console/device.html", form=form, state=state, decided=True)


def lot_links(identifier: GS1Identifier) -> dict[str, str]:
    """Where a lot's scan page, label sheet and units list are on this site."""
    path = identifier.uri("")
    return {
        "scan": path,
        "labels": "/labels" + path,
        "units": url_for("console.lot_units", gtin=identifier.key, lot=identifier.lot),
        "certificate": certificate_path(identifier),
    }


@bp.get("/products")
@login_required
def products_list() -> ResponseReturnValue:
    """The product catalogue: the file's products and those edited here."""
    return page(
        "console/products.html", listed=products().listed(), saved=request.args.get("saved")
    )


def _product_of(form: ProductForm, gtin: str) -> Product:
    """The product the form describes (temperatures parsed; every rule checked on save)."""
    return Product(
        gtin.strip(),
        (form.name_zh.data or "").strip(),
        (form.name_en.data or "").strip(),
        (form.net_content.data or "").strip() or None,
        parse_celsius(form.temp_min_c.data or "", "temp_min_c"),
        parse_celsius(form.temp_max_c.data or "", "temp_max_c"),
    )


def _save_product(form: ProductForm, gtin: str, adding: bool) -> ResponseReturnValue:
    """Check and store one product, or show the form again with the rule on its field."""
    template = "console/product_form.html"
    if not form.validate_on_submit():
        return page(template, 400, form=form, adding=adding, gtin=gtin)
    try:
        product = _product_of(form, gtin)
        store = products()
        saved = (
            store.add(product, current_user.id)
            if adding
            else store.update(product, current_user.id)
        )
    except LedgerError as error:
        show_rejection(form, error)
        return page(template, 422, form=form, adding=adding, gtin=gtin)
    return redirect(url_for("console.products_list", saved=saved.gtin))


@bp.route("/products/new", methods=["GET", "POST"])
@login_required
def add_product() -> ResponseReturnValue:
    """Add a product to the catalogue."""
    form = ProductForm()
    if request.method == "GET":
        return page("console/product_form.html", form=form, adding=True, gtin="")
    return _save_product(form, form.gtin.data or "", adding=True)


@bp.route("/products/<gtin>/edit", methods=["GET", "POST"])
@login_required
def edit_product(gtin: str) -> ResponseReturnValue:
    """Change a product's names, net content or temperature band (its GTIN stays)."""
    product = products().get(gtin)
    if product is None:
        raise NotFoundError.of("unknown_product", field="gtin", gtin=gtin)
    form = ProductForm()
    if request.method == "GET":
        form.name_zh.data, form.name_en.data = product.name_zh, product.name_en
        form.net_content.data = product.net_content or ""
        for field, value in (
            (form.temp_min_c, product.temp_min_c),
            (form.temp_max_c, product.temp_max_c),
        ):
            field.data = "" if value is None else f"{value:g}"
        return page("console/product_form.html", form=form, adding=False, gtin=product.gtin)
    return _save_product(form, product.gtin, adding=False)


@bp.route("/actors/<actor>/contact", methods=["GET", "POST"])
@login_required
def business_contact(actor: str) -> ResponseReturnValue:
    """The phone and address an actor's certificates print; kept off the log (erasable)."""
    record = next((a for a in ledger().actors() if a.actor == actor), None)
    if record is None:
        raise NotFoundError.of("unknown_actor", field="actor", actor=actor)
    contacts = current_app.extensions["contacts"]
    form = ContactForm()
    if request.method == "GET":
        kept = contacts.get(actor)
        form.phone.data, form.address.data = kept.phone or "", kept.address or ""
        return page("console/contact.html", form=form, actor=record)
    if not form.validate_on_submit():
        return page("console/contact.html", 400, form=form, actor=record)
    try:
        contacts.set(actor, form.phone.data, form.address.data, current_user.id)
    except ValidationError as error:
        show_rejection(form, error)
        return page("console/contact.html", 422, form=form, actor=record)
    return page("console/contact.html", form=form, actor=record, saved=True)


@bp.get("/lots")
@login_required
def lots() -> ResponseReturnValue:
    found = [(lot, lot_links(lot)) for lot in ledger().lots()]
    return page("console/lots.html", lots=found)


@bp.get("/lots/<gtin>/<path:lot>")
@login_required
def lot_units(gtin: str, lot: str) -> ResponseReturnValue:
    identifier = GS1Identifier("01", gtin, lot=lot)
    units = ledger().units_of_lot(gtin, lot)
    return page(
        "console/lot.html",
        lot=identifier,
        links=lot_links(identifier),
        units=[(unit, unit.identifier.uri("")) for unit in units],
    )


@bp.get("/report")
@login_required
def regulator_report() -> ResponseReturnValue:
    """The regulator's spreadsheet: a form (lot or product, dates, format, language); sent,
    the file itself, or the form again with the rule its input broke."""
    args = request.args.to_dict(flat=False)
    values = {name: (args.get(name) or [""])[0] for name in REPORT_FIELDS}
    lang = str(get_locale() or "zh")
    if not (values["lot"].strip() or values["product"].strip()) and "send" not in args:
        return page("console/report.html", values=values, default_lang=lang)
    try:
        asked = parse_request(args, default_lang="zh" if lang == "zh" else "en")
        found = ledger().report(asked.query, current_catalogue())
    except LedgerError as error:
        status = 404 if isinstance(error, NotFoundError) else 400
        return page(
            "console/report.html",
            status,
            values=values,
            default_lang=lang,
            error=rule_message(error),
        )
    return download(found, asked.format, asked.lang)


def register(app: Flask) -> None:
    """Install the console's guards and its blueprint on ``app``."""
    console_auth.install(app, load_account)
    app.register_blueprint(bp)
    console_auth.throttle_logins(app, "console.login")
