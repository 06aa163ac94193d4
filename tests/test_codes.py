"""Codes as data: every code the ledger raises, reports or answers is in the registry
(ledger/core/codes.py), and every registered code is named by the document it says.

The scan reads the source, not a run: a code is found wherever it is written (``code=``,
a ``.of(...)``, a helper taking a ``code`` or ``check`` parameter, a verifier ``Failure``, a
class's own ``code``, a comparison with ``.code``), so a code raised on a path no test takes
is found too.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.core.codes import CODES, Code

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "ledger" / "core" / "codes.py"
SOURCES = sorted(
    path
    for path in [*ROOT.joinpath("ledger").rglob("*.py"), *ROOT.joinpath("web").rglob("*.py")]
    if path != REGISTRY
)
DOCS = ROOT / "docs"

# Helpers whose ``code`` parameter is not an error code.
NOT_ERROR_CODES = {
    "flag_params": "flag codes are their own registry, ledger/core/flags.py (EVENTS.md 6)",
}
# Values passed on unchanged from elsewhere, each with why that is safe.
FORWARDED = {
    "str(error.get('code', 'http_error'))": "the CLI repeats the code a ledger server answered",
}


@dataclass(frozen=True)
class Found:
    """One code as written in the source."""

    code: str
    where: str


def _strings(node: ast.expr) -> list[str] | None:
    """The string literals ``node`` can be (a literal, or either arm of ``a if c else b``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body), _strings(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _is_str(annotation: ast.expr | None) -> bool:
    return annotation is not None and "str" in ast.unparse(annotation).split(" | ")


Sink = tuple[str, int | None]  # a parameter's name, and its position (None: keyword-only)
# A sink's name as a call reaches it: "f" for a function or class, ".f" for a method.


def _sinks(trees: dict[Path, ast.Module]) -> dict[str, dict[Path, Sink]]:
    """Callables taking a code, by name, then by the module defining them: functions and
    methods with a text parameter named ``code`` or ``check``, and dataclasses with such a
    field (the verifier's ``Failure``)."""
    sinks: dict[str, dict[Path, Sink]] = {}
    for path, tree in trees.items():
        methods = {
            id(item)
            for cls in ast.walk(tree)
            if isinstance(cls, ast.ClassDef)
            for item in cls.body
            if isinstance(item, ast.FunctionDef)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name not in NOT_ERROR_CODES:
                name = ("." if id(node) in methods else "") + node.name
                positional = node.args.posonlyargs + node.args.args
                if positional and positional[0].arg in ("self", "cls"):
                    positional = positional[1:]
                for n, arg in enumerate(positional):
                    if arg.arg in ("code", "check") and _is_str(arg.annotation):
                        sinks.setdefault(name, {})[path] = (arg.arg, n)
                for arg in node.args.kwonlyargs:
                    if arg.arg in ("code", "check") and _is_str(arg.annotation):
                        sinks.setdefault(name, {})[path] = (arg.arg, None)
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(d).startswith("dataclass") for d in node.decorator_list
            ):
                fields = [s for s in node.body if isinstance(s, ast.AnnAssign)]
                for n, item in enumerate(fields):
                    target = item.target
                    named = isinstance(target, ast.Name) and target.id in ("code", "check")
                    if named and _is_str(item.annotation):
                        sinks.setdefault(node.name, {})[path] = (target.id, n)  # type: ignore[union-attr]
    return sinks


class _Scan(ast.NodeVisitor):
    def __init__(self, path: Path, sinks: dict[str, dict[Path, Sink]]) -> None:
        self.module = path
        self.path = path.relative_to(ROOT)
        self.sinks = sinks
        self.found: list[Found] = []
        self.unknown: list[str] = []  # values the scan cannot read
        self.params: list[set[str]] = [set()]  # the enclosing functions' parameter names

    def _add(self, value: ast.expr, line: int, *, pass_through_ok: bool = True) -> None:
        where = f"{self.path}:{line}"
        strings = _strings(value)
        if strings is not None:
            self.found.extend(Found(s, where) for s in strings)
        elif isinstance(value, ast.Constant) and value.value is None:
            pass  # no code given: the error class's own, scanned where the class is
        elif isinstance(value, ast.Name) and value.id in self.params[-1]:
            pass  # a helper handing on its own parameter: its callers are scanned
        elif isinstance(value, ast.Name) and value.id in ("code", "check"):
            pass  # a local variable: its literal assignments are scanned (visit_Assign)
        elif isinstance(value, ast.Attribute) and value.attr in ("code", "check"):
            pass  # an existing error's or failure's code, registered where it was raised
        elif isinstance(value, ast.Call) and ast.unparse(value.func) == "check_name":
            pass  # ledger/core/verify.py: "signature" or a raised error's own code
        elif ast.unparse(value) not in FORWARDED:
            self.unknown.append(f"{where}: {ast.unparse(value)}")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        args = node.args
        self.params.append({a.arg for a in args.posonlyargs + args.args + args.kwonlyargs})
        for arg, default in zip(args.args[::-1], args.defaults[::-1], strict=False):
            if arg.arg in ("code", "check") and node.name not in NOT_ERROR_CODES:
                self._add(default, node.lineno)
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if arg.arg == "code" and kw_default is not None:
                self._add(kw_default, node.lineno)
        self.generic_visit(node)
        self.params.pop()

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = "." + func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        sink = self._sink(name, node.lineno)
        for kw in node.keywords:
            if kw.arg == "code" or (sink is not None and kw.arg == sink[0]):
                self._add(kw.value, node.lineno)
        if sink is not None and sink[1] is not None and sink[1] < len(node.args):
            self._add(node.args[sink[1]], node.lineno)
        self.generic_visit(node)

    def _sink(self, name: str, line: int) -> Sink | None:
        """The sink a call of ``name`` reaches: this module's own, else the one of that name."""
        defined = self.sinks.get(name, {})
        if self.module in defined:
            return defined[self.module]
        if len(set(defined.values())) > 1:
            self.unknown.append(f"{self.path}:{line}: {name} (defined differently in several)")
            return None
        return next(iter(defined.values()), None)

    def visit_Assign(self, node: ast.Assign) -> None:
        # A class's own code (``code = "malformed"``) or a local ``code``/``check`` variable.
        if any(isinstance(t, ast.Name) and t.id in ("code", "check") for t in node.targets):
            strings = _strings(node.value)
            if strings is not None:
                self.found.extend(Found(s, f"{self.path}:{node.lineno}") for s in strings)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        # ``exc.code == "not_canonical"``: a code compared with is a code too.
        if isinstance(node.left, ast.Attribute) and node.left.attr in ("code", "check"):
            for right in node.comparators:
                strings = _strings(right)
                if strings is not None:
                    self.found.extend(Found(s, f"{self.path}:{node.lineno}") for s in strings)
        self.generic_visit(node)


def scan() -> tuple[list[Found], list[str]]:
    """Every code written in ledger/ and web/, and every value the scan could not read."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in SOURCES}
    sinks = _sinks(trees)
    found: list[Found] = []
    unknown: list[str] = []
    for path, tree in trees.items():
        visitor = _Scan(path, sinks)
        visitor.visit(tree)
        found += visitor.found
        unknown += visitor.unknown
    return found, unknown


def test_every_code_in_the_source_is_registered() -> None:
    found, unknown = scan()
    assert not unknown, "codes the scan cannot read (write a literal):\n" + "\n".join(unknown)
    missing = sorted({f"{f.code} ({f.where})" for f in found if f.code not in CODES})
    assert not missing, "codes not in ledger/core/codes.py:\n" + "\n".join(missing)


def test_the_scan_finds_the_codes_it_must() -> None:
    """The scan itself: it reads each way a code is written, or the test above proves little."""
    codes = {f.code for f in scan()[0]}
    assert {
        "bad_bundle",  # MalformedError(..., code="bad_bundle")
        "wrong_type",  # node.fail("wrong_type", ...), json_reader's helper
        "unknown_object",  # custody's _deny("unknown_object", ...)
        "bad_check_digit",  # code = "bad_check_digit" if ... else "bad_identifier"
        "bad_identifier",  # bad_identifier's default code
        "no_checkpoint",  # NotFoundError.of("no_checkpoint")
        "malformed",  # MalformedError's own code
        "chain_link",  # the verifier's _fail(position, "chain_link", ...)
        "stored_column",  # Failure(position, "stored_column", problem)
        "inclusion",  # bundle's _fail_with(report, index, "inclusion", exc)
        "not_canonical",  # exc.code == "not_canonical"
        "internal",  # web's error_response(500, "internal", ...)
    } <= codes


def test_the_scan_fails_on_an_unregistered_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def f(x):\n"
        "    raise ValidationError('no', code='no_such_code')\n"
        "def g(code: str): ...\n"
        "g('another_code')\n"
        "h(code=compute())\n"
    )
    visitor = _Scan(ROOT / "bad.py", {"g": {ROOT / "g.py": ("code", 0)}})
    visitor.visit(ast.parse(bad.read_text()))
    assert {f.code for f in visitor.found} == {"no_such_code", "another_code"}
    assert visitor.unknown == ["bad.py:5: compute()"]


def test_web_answers_only_registered_codes() -> None:
    from web.errors import HTTP_CODES

    for status, code in HTTP_CODES.items():
        assert CODES[code].status == status, code


def test_every_registered_code_is_used() -> None:
    """No dead entries: each code is written somewhere in the source (or is one of web's
    names for werkzeug's errors, or the verifier's name for every signature failure)."""
    from web.errors import HTTP_CODES

    used = {f.code for f in scan()[0]} | set(HTTP_CODES.values()) | {"signature"}
    assert not sorted(set(CODES) - used)


# -- the registry itself --------------------------------------------------------------------


@pytest.mark.parametrize("entry", CODES.values(), ids=list(CODES))
def test_registry_entries_are_well_formed(entry: Code) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", entry.code)
    assert entry.kind in ("answer", "rule", "check", "local")
    assert entry.template and entry.template == entry.template.strip()
    if entry.kind in ("check", "local"):
        assert entry.status is None
    elif entry.code != "http_error":  # answered with whatever status it stands for
        assert entry.status in (400, 403, 404, 405, 409, 413, 415, 416, 429, 500, 503)
    # The template takes exactly its parameters: a sample value for each fills it.
    sample = {name: f"<{name}>" for name in entry.params}
    words = entry.message(**sample)
    assert all(f"<{name}>" in words for name in entry.params)


def test_a_template_refuses_missing_or_extra_parameters() -> None:
    from ledger.core.errors import NotFoundError

    error = NotFoundError.of("no_such_tree", size=12)
    assert (error.code, error.message) == ("no_such_tree", "there is no tree of size 12")
    with pytest.raises(TypeError, match="takes the parameters size"):
        NotFoundError.of("no_such_tree")
    with pytest.raises(TypeError):
        NotFoundError.of("no_such_tree", size=1, colour="red")
    with pytest.raises(KeyError, match="not a registered code"):
        NotFoundError.of("no_such_thing")


# -- the documents --------------------------------------------------------------------------


def section(document: str, number: str) -> str:
    """The text of section ``number`` (e.g. "10", "9.2") of docs/``document``, subsections
    included, up to the next heading of its level or above."""
    text = (DOCS / document).read_text(encoding="utf-8")
    level = "#" * (2 + number.count("."))
    start = re.search(rf"^{level} {re.escape(number)}\.? .*$", text, flags=re.MULTILINE)
    assert start is not None, f"{document} has no section {number}"
    end = re.compile(rf"^#{{2,{len(level)}}} ", flags=re.MULTILINE).search(text, start.end())
    return text[start.end() : end.start() if end else len(text)]


@pytest.mark.parametrize("entry", CODES.values(), ids=list(CODES))
def test_every_code_is_named_where_the_registry_says(entry: Code) -> None:
    match = re.fullmatch(r"(FORMAT|EVENTS)\.md §([0-9.]+)", entry.documented)
    assert match, entry.documented
    assert f"`{entry.code}`" in section(f"{match[1]}.md", match[2])


def _table_codes(text: str) -> dict[str, str]:
    """The first-column code of each row of the Markdown tables in ``text`` -> the row."""
    rows = re.findall(r"^\| `([a-z0-9_]+)` \|(.*)$", text, flags=re.MULTILINE)
    return dict(rows)


def test_format_md_error_table_gives_each_answer_its_status() -> None:
    table = _table_codes(section("FORMAT.md", "10"))
    for entry in CODES.values():
        if entry.status is not None and entry.code in table:
            assert re.match(rf"\s*{entry.status}\b", table[entry.code]), entry.code
    answered = {c.code for c in CODES.values() if c.documented == "FORMAT.md §10"}
    assert answered <= table.keys()
