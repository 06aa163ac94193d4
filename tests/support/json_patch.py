"""RFC 6902 JSON Patch, the part the tamper vectors use: apply a patch, and the patch that
turns one document into another (``diff``). Small enough to read in full, so the vectors
need no third-party package. Also the fuzzers' walk over a document (``paths``, ``put``)."""

from __future__ import annotations

import copy
from typing import Any


class PatchError(ValueError):
    """A patch does not apply to the document (bad pointer, failed ``test``)."""


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"a JSON pointer starts with '/': {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _pointer(tokens: list[str | int]) -> str:
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def _index(container: list[Any], token: str, *, adding: bool) -> int:
    if adding and token == "-":
        return len(container)
    if not token.isdigit() or (token != "0" and token.startswith("0")):
        raise PatchError(f"{token!r} is not an array index")
    i = int(token)
    if i > len(container) or (i == len(container) and not adding):
        raise PatchError(f"index {i} is out of range")
    return i


def _parent(doc: Any, tokens: list[str]) -> Any:
    node = doc
    for t in tokens[:-1]:
        node = node[_index(node, t, adding=False)] if isinstance(node, list) else node[t]
    return node


def _get(doc: Any, pointer: str) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        return doc
    parent = _parent(doc, tokens)
    last = tokens[-1]
    return parent[_index(parent, last, adding=False)] if isinstance(parent, list) else parent[last]


def _remove(doc: Any, pointer: str) -> Any:
    tokens = _tokens(pointer)
    parent = _parent(doc, tokens)
    if isinstance(parent, list):
        return parent.pop(_index(parent, tokens[-1], adding=False))
    return parent.pop(tokens[-1])


def _add(doc: Any, pointer: str, value: Any) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        return value
    parent = _parent(doc, tokens)
    if isinstance(parent, list):
        parent.insert(_index(parent, tokens[-1], adding=True), value)
    else:
        parent[tokens[-1]] = value
    return doc


def apply_patch(doc: Any, patch: list[dict[str, Any]]) -> Any:
    """``doc`` with every operation of ``patch`` applied in order (``doc`` is not changed)."""
    doc = copy.deepcopy(doc)
    for op in patch:
        name, path = op["op"], op["path"]
        try:
            if name == "add":
                doc = _add(doc, path, copy.deepcopy(op["value"]))
            elif name == "remove":
                _remove(doc, path)
            elif name == "replace":
                _get(doc, path)  # must exist
                if _tokens(path):
                    _remove(doc, path)
                doc = _add(doc, path, copy.deepcopy(op["value"]))
            elif name in ("move", "copy"):
                value = _get(doc, op["from"])
                if name == "move":
                    _remove(doc, op["from"])
                doc = _add(doc, path, copy.deepcopy(value))
            elif name == "test":
                if _get(doc, path) != op["value"]:
                    raise PatchError(f"test failed at {path}")
            else:
                raise PatchError(f"unknown operation {name!r}")
        except (KeyError, IndexError, TypeError) as exc:
            raise PatchError(f"{name} {path}: {exc!r}") from exc
    return doc


def diff(old: Any, new: Any, at: list[str | int] | None = None) -> list[dict[str, Any]]:
    """A patch from ``old`` to ``new``: ``replace`` where values differ, ``add`` and
    ``remove`` for members, and for array elements at the end."""
    at = at or []
    if type(old) is not type(new):
        return [{"op": "replace", "path": _pointer(at), "value": new}]
    if isinstance(old, dict):
        ops: list[dict[str, Any]] = []
        for k in old:
            if k not in new:
                ops.append({"op": "remove", "path": _pointer([*at, k])})
            else:
                ops += diff(old[k], new[k], [*at, k])
        ops += [
            {"op": "add", "path": _pointer([*at, k]), "value": new[k]} for k in new if k not in old
        ]
        return ops
    if isinstance(old, list):
        ops = []
        for i in range(min(len(old), len(new))):
            ops += diff(old[i], new[i], [*at, i])
        ops += [{"op": "add", "path": _pointer([*at, "-"]), "value": v} for v in new[len(old) :]]
        ops += [
            {"op": "remove", "path": _pointer([*at, i])}
            for i in range(len(old) - 1, len(new) - 1, -1)
        ]
        return ops
    return [] if old == new else [{"op": "replace", "path": _pointer(at), "value": new}]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every member's path in ``value`` (names and positions), ``value`` itself first."""
    out = [prefix]
    if isinstance(value, dict):
        for name, child in value.items():
            out += paths(child, (*prefix, name))
    elif isinstance(value, list):
        for position, child in enumerate(value):
            out += paths(child, (*prefix, position))
    return out


def put(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``value`` with the member at ``path`` replaced by ``new``."""
    if not path:
        return new
    changed = dict(value) if isinstance(value, dict) else list(value)
    changed[path[0]] = put(value[path[0]], path[1:], new)
    return changed
