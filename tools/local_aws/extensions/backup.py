"""AWS Backup operations moto 5.2 lacks, answered as botocore's backup model says."""

from __future__ import annotations

from .base import Extension


class BackupSelections(Extension):
    def reset(self) -> None:
        """No state yet."""

    def routes(self) -> dict:
        return {}
