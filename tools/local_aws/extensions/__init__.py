"""Operations moto 5.2 lacks, answered as botocore's service models say."""

from .config import ConformancePacks
from .eks import EksAddonsAndAccess
from .securityhub import SecurityHubStandards
from .wafv2 import WafResources

ALL_EXTENSIONS = (EksAddonsAndAccess, SecurityHubStandards, ConformancePacks, WafResources)
