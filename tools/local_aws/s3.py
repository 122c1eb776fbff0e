"""S3 as AWS keeps it, where moto 5.2 differs in ways the roles depend on."""

from __future__ import annotations


def apply() -> None:
    """Patch moto's S3 with the rules above."""
