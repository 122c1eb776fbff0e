"""Operations moto 5.2 lacks, answered as botocore's service models say."""

from .backup import BackupSelections
from .budgets import BudgetUpdates
from .config import ConformancePacks
from .eks import Eks
from .guardduty import GuardDutyTags
from .pricing import PriceList
from .securityhub import SecurityHubStandards
from .wafv2 import WafResources

ALL_EXTENSIONS = (
    Eks,
    SecurityHubStandards,
    ConformancePacks,
    WafResources,
    GuardDutyTags,
    BudgetUpdates,
    BackupSelections,
    PriceList,
)
