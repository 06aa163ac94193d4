"""The ledger's rule errors in the reader's language, for the console's forms.

The rules themselves are the ledger's (``ledger.core.registry``, ``ledger.core.gs1``); this
only words their codes. English readers get the rule's own message; Chinese readers get the
words below, chosen by the code and, where one code covers several fields, by the field.
The code is always shown beside them, so nothing is lost in translation.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ledger.core.errors import LedgerError

# (code, field) first, then (code, None).
RULE_WORDS = {
    ("bad_value", "payload.actor"): _l(
        "The actor ID must be 2 to 63 lowercase letters, digits or '-', starting with a "
        "letter or digit."
    ),
    ("bad_value", "payload.name"): _l(
        "The business name must be 1 to 200 characters, without control characters."
    ),
    ("bad_value", "payload.region"): _l(
        "The region must be 1 to 200 characters, without control characters."
    ),
    ("bad_value", "payload.roles"): _l("Choose at least one role."),
    ("bad_value", "payload.key_id"): _l("The key ID is 32 lowercase hexadecimal digits."),
    ("bad_value", "payload.reason"): _l(
        "The reason must be 1 to 500 characters, without control characters."
    ),
    ("bad_time", None): _l(
        "The effective time must be an ISO 8601 time with its UTC offset, such as "
        "2026-09-20T08:00:00+08:00."
    ),
    ("bad_identifier", "payload.gln"): _l(
        "This is not a valid GLN: a GLN is 13 digits ending with its check digit."
    ),
    ("bad_check_digit", "payload.gln"): _l(
        "The GLN's last digit (its check digit) is wrong: check it for a typing mistake."
    ),
    ("wrong_type", "payload.gln"): _l("The GLN must be 13 digits."),
    ("actor_exists", None): _l("An actor with this ID is already registered."),
    ("gln_taken", None): _l("This GLN already belongs to another actor."),
    ("unknown_actor", None): _l("No actor with this ID is registered."),
    ("unknown_key", None): _l("This actor has no key with this ID."),
    ("key_already_revoked", None): _l("This key is already revoked."),
    ("bad_code", None): _l("An enrolment code is 8 letters and digits, like 7KQ2-M9XD."),
    ("unknown_enrolment", None): _l(
        "No phone is waiting with this code: check the code on the phone's screen."
    ),
    ("enrolment_decided", None): _l("This phone's enrolment was already decided."),
    # The product catalogue and business contacts.
    ("bad_identifier", "gtin"): _l(
        "This is not a valid GTIN: a GTIN is 8, 12, 13 or 14 digits ending with its check digit."
    ),
    ("bad_check_digit", "gtin"): _l(
        "The GTIN's last digit (its check digit) is wrong: check it for a typing mistake."
    ),
    ("bad_product_name", None): _l(
        "The product name must be 1 to 200 characters, without control characters."
    ),
    ("bad_net_content", None): _l(
        "The net content must be at most 50 characters, such as 5 kg, or left blank."
    ),
    ("bad_temperature", None): _l(
        "Type a temperature in degrees Celsius between -80 and 80, such as 4 or -18, or leave "
        "it blank."
    ),
    ("bad_temperature_band", None): _l(
        "The lowest temperature is above the highest: swap them or correct one."
    ),
    ("product_exists", None): _l(
        "A product with this GTIN is already in the catalogue: edit it instead."
    ),
    ("unknown_product", None): _l("No product with this GTIN is in the catalogue."),
    ("bad_contact", "phone"): _l("The phone number must be at most 40 characters."),
    ("bad_contact", "address"): _l("The address must be at most 200 characters."),
    # The regulator's report.
    ("bad_time", "from"): _l("The first day must be a date such as 2026-09-01."),
    ("bad_time", "to"): _l("The day after the last must be a date such as 2026-10-01."),
    ("bad_date_range", None): _l(
        "The end date must come after the start date (the end day itself is not included) "
        "and at most 731 days later; a report of a product needs both dates."
    ),
    ("report_too_large", None): _l("The report would be too large: choose a shorter date range."),
    ("bad_parameter", "lot"): _l(
        "Give the lot as its GS1 Digital Link (…/01/GTIN/10/LOT), or a GTIN and the lot code."
    ),
    ("bad_identifier", "lot"): _l(
        "A lot code is 1 to 20 letters, digits or GS1 punctuation marks."
    ),
    ("bad_identifier", "product"): _l(
        "This is not a valid GTIN: a GTIN is 8, 12, 13 or 14 digits ending with its check digit."
    ),
    ("bad_check_digit", "product"): _l(
        "The GTIN's last digit (its check digit) is wrong: check it for a typing mistake."
    ),
    ("unknown_object", None): _l("The ledger has no events about this lot or product."),
    ("no_operator_key", None): _l(
        "The operator key is not unlocked on this server, so nothing can be signed: "
        "restart it with LEDGER_PASSPHRASE set."
    ),
}


def rule_words(error: LedgerError) -> str:
    """What the console says about a rejection, in the reader's language."""
    if str(get_locale() or "zh") == "en":
        return error.message
    words = RULE_WORDS.get((error.code, error.field)) or RULE_WORDS.get((error.code, None))
    return str(words) if words is not None else error.message


def rule_message(error: LedgerError) -> Markup:
    """The words and the code, ready for a template."""
    return Markup("{} <code>[{}]</code>").format(rule_words(error), error.code)
