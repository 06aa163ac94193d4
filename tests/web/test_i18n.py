"""The Chinese message catalogue covers every message of the site, and is compiled."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "web"
ZH = WEB / "translations" / "zh" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_a_chinese_translation() -> None:
    with open(ZH / "messages.po", "rb") as f:
        catalogue = read_po(f)
    # A plural message's id is (singular, plural) and its string one text per plural form.
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalogue
        if m.id and not m.fuzzy and all(_texts(m.string))
    }
    missing = source_messages() - translated
    assert not missing, (
        f"add these to web/translations/zh/LC_MESSAGES/messages.po: {sorted(missing)}"
    )


def test_the_compiled_catalogue_matches_the_source() -> None:
    with open(ZH / "messages.po", "rb") as f:
        catalogue = read_po(f)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    with open(ZH / "messages.mo", "rb") as f:
        shipped = read_mo(f)
    assert {_texts(m.id): _texts(m.string) for m in shipped if m.id} == {
        _texts(m.id): _texts(m.string) for m in catalogue if m.id
    }, "run: pybabel compile -d web/translations"


def _texts(string: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return (string,) if isinstance(string, str) else tuple(string)
