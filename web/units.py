"""How the UN/CEFACT unit codes that events carry are written for readers."""

from __future__ import annotations

UNITS = {
    "KGM": "kg",
    "LTR": "L",
    "KGM/HAR": "kg/ha",
    "LTR/HAR": "L/ha",
    "CEL": "°C",
    "GRM": "g",
    "MGM/KGM": "mg/kg",
    "MGKG": "mg/kg",
    "TNE": "t",
}


def unit(uom: str) -> str:
    """The symbol for ``uom``, or the code itself when it has none here."""
    return UNITS.get(uom, uom)
