"""GS1's official EPCIS 2.0 JSON Schema (tests/vectors/epcis_schema), as a test oracle."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema

from tests.support.vectors import VECTORS

SCHEMA_PATH = VECTORS / "epcis_schema" / "EPCIS-JSON-Schema.json"


@cache
def validator() -> jsonschema.Draft7Validator:
    """A draft-07 validator of the inlined schema, with its formats (uri, date-time) checked."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def schema_errors(document: Any) -> list[str]:
    """Every way ``document`` breaks the schema, as ``path: message`` lines (empty: valid)."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for e in sorted(validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    ]


def assert_schema_valid(document: Any) -> None:
    """Fail with the schema's own words unless ``document`` is a valid EPCIS 2.0 document."""
    errors = schema_errors(document)
    assert not errors, "\n".join(errors)
