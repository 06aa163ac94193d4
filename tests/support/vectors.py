"""Where the committed test vectors live (copied from ../shared/vectors with provenance)."""

from pathlib import Path

VECTORS = Path(__file__).parents[1] / "vectors"
