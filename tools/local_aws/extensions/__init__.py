"""Operations moto 5.2 lacks, answered as botocore's service models say."""

from .budgets import BudgetUpdates
from .config import ConformancePacks
from .eks import EksAddonsAndAccess
from .guardduty import GuardDutyTags
from .securityhub import SecurityHubStandards
from .wafv2 import WafResources

ALL_EXTENSIONS = (
    EksAddonsAndAccess,
    SecurityHubStandards,
    ConformancePacks,
    WafResources,
    GuardDutyTags,
    BudgetUpdates,
)
