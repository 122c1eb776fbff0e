"""EC2 networking as AWS keeps it, where moto 5.2 differs in ways the network role depends on."""

from __future__ import annotations


def apply() -> None:
    """Patch moto's EC2 with the rules above."""
