# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The preflight's checks of what the roles derive from the inputs, and of the environment itself.

A name the tool builds (a bucket from the ALB's name and the account id, an IAM role from the
cluster's name, an SSM path from the environment's) is only refused by AWS when the role gets to
it, after other resources exist. Each rule here is AWS's documented one, named with its source:

* S3 bucket names - "Bucket naming rules" (Amazon S3 User Guide): 3 to 63 characters, lower-case
  letters, digits, dots and hyphens, a letter or digit first and last, no two adjacent dots, not
  an IP address, not starting with xn--, sthree- or amzn-s3-demo-, not ending with -s3alias,
  --ol-s3, .mrap or --x-s3.
* IAM role names - IAM quotas and CreateRole's RoleName: 1 to 64 of ``[\\w+=,.@-]``.
* CloudWatch Logs group names - CreateLogGroup's logGroupName: 1 to 512 of ``[.\\-_/#A-Za-z0-9]``.
* KMS aliases - CreateAlias's AliasName: alias/ then 1 to 250 of ``[a-zA-Z0-9:/_-]``, never alias/aws/.
* SNS topic names - CreateTopic: 1 to 256 of ``[A-Za-z0-9_-]``.
* Security group names - CreateSecurityGroup's GroupName: at most 255 characters, not sg-*.
* EventBridge rule names - PutRule's Name: 1 to 64 of ``[.\\-_A-Za-z0-9]``.
* WAFv2 web ACL names - CreateWebACL's Name: 1 to 128 of ``[\\w-]``.
* DynamoDB table names - CreateTable's TableName: 3 to 255 of ``[a-zA-Z0-9_.-]``.
* Secrets Manager secret names - CreateSecret's Name: at most 512 of letters, digits and /_+=.@-.
* SSM parameter names (hierarchies) - "Requirements and constraints for parameter names" and
  PutParameter's Name: a path of ``[a-zA-Z0-9_.-]`` levels, at most 15 levels and 1011 characters
  counted with the ARN before the name, not under /aws or /ssm (any case).
* Tags after merging - "Tagging best practices" / each service's TagResource: 50 tags per resource
  including the ones a role adds itself, and keys that differ only in case are one key for the
  services that compare them case-insensitively (IAM, and the tag editor's views).
* Regions - the ones botocore's endpoint data lists for the partition.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from ansible_collections.ninetynine.trading_infra.plugins.filter.network import ENV_RE
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.regions import known_regions, unknown_region
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tier import TIERS, is_production, tier_errors

ACCOUNT_PLACEHOLDER = "0" * 12  # account ids are always 12 digits: names are measured with one

BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3")
RULES = {
    "iam_role": (re.compile(r"^[\w+=,.@-]{1,64}$"), "1 to 64 letters, digits and + = , . @ _ - (IAM)"),
    "log_group": (re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$"), "1 to 512 letters, digits and . - _ / # (Logs)"),
    "kms_alias": (re.compile(r"^alias/[a-zA-Z0-9:/_-]{1,250}$"), "alias/ and 1 to 250 of a-z A-Z 0-9 : / _ - (KMS)"),
    "sns_topic": (re.compile(r"^[A-Za-z0-9_-]{1,256}$"), "1 to 256 letters, digits, hyphens and underscores (SNS)"),
    "security_group": (re.compile(r"^(?!sg-).{1,255}$", re.S), "at most 255 characters, not starting sg- (EC2)"),
    "event_rule": (re.compile(r"^[.\-_A-Za-z0-9]{1,64}$"), "1 to 64 letters, digits and . - _ (EventBridge)"),
    "waf_name": (re.compile(r"^[\w-]{1,128}$"), "1 to 128 letters, digits, hyphens and underscores (WAF)"),
    "dynamodb_table": (re.compile(r"^[a-zA-Z0-9_.-]{3,255}$"), "3 to 255 letters, digits and _ . - (DynamoDB)"),
    "kinesis_stream": (re.compile(r"^[a-zA-Z0-9_.-]{1,128}$"), "1 to 128 letters, digits and _ . - (Kinesis)"),
    "secret": (re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$"), "at most 512 letters, digits and / _ + = . @ - (Secrets)"),
}
SSM_LEVEL_RE = re.compile(r"^[a-zA-Z0-9_.-]+$")
# PutParameter: a name takes at most 1011 characters, counted with the ARN before it
# (arn:aws:ssm:us-east-2:111122223333:parameter is 45 of them), and 15 levels. The platform's
# outputs go up to 3 levels below the path (data_tier/aurora/port); a path of at most 900 characters
# leaves 111 for the ARN (57 at most: arn:aws-us-gov:ssm:<region>:<account>:parameter) and the names below.
SSM_NAME_MAX = 1011
SSM_PATH_MAX = 900
SSM_LEVELS_MAX = 15
SSM_LEVELS_BELOW = 3
MAX_TAGS = 50


def bucket_problem(name: str) -> str | None:
    """Why S3 refuses the bucket name, or None."""
    if not 3 <= len(name) <= 63:
        return f"is {len(name)} characters; S3 takes 3 to 63"
    if not BUCKET_RE.match(name):
        return "must be lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit (S3)"
    if ".." in name:
        return "has two adjacent dots (S3)"
    try:
        ipaddress.IPv4Address(name)
        return "is an IP address (S3)"
    except ValueError:
        pass
    for prefix in BUCKET_PREFIXES:
        if name.startswith(prefix):
            return f"starts with {prefix}, which S3 reserves"
    for suffix in BUCKET_SUFFIXES:
        if name.endswith(suffix):
            return f"ends with {suffix}, which S3 reserves"
    return None


def ssm_path_problem(path: str) -> str | None:
    """Why SSM refuses the parameter hierarchy, or None."""
    if not path.startswith("/") or (path.endswith("/") and path != "/"):
        return "must start with / and not end with one (SSM)"
    levels = path.split("/")[1:]
    if any(not SSM_LEVEL_RE.match(level) for level in levels):
        return "must be / separated levels of letters, digits and _ . - (SSM)"
    if len(levels) > SSM_LEVELS_MAX - SSM_LEVELS_BELOW:
        return (
            f"has {len(levels)} levels; SSM takes {SSM_LEVELS_MAX} in a name and the outputs go up to "
            f"{SSM_LEVELS_BELOW} below the path, so at most {SSM_LEVELS_MAX - SSM_LEVELS_BELOW}"
        )
    if levels[0].lower().startswith(("aws", "ssm")):
        return "starts with aws or ssm, which SSM reserves (any case)"
    if len(path) > SSM_PATH_MAX:
        return (
            f"is {len(path)} characters; a path takes at most {SSM_PATH_MAX}, so that the names below it stay "
            f"within the {SSM_NAME_MAX} SSM counts for a name with its ARN"
        )
    return None


def derived_name_errors(names, env, known_errors=()):
    """Every derived name AWS would refuse, each naming the variable it comes from and the environment.

    ``names``: a list of {value (or values), kind, var}: the name (or names), its kind (s3_bucket,
    ssm_path, or a key of RULES) and the input variable it is built from. A variable that
    ``known_errors`` already refuses is not blamed again for the names it gives.
    """
    errors = []
    refused = {e.split(" in environment ")[0] for e in known_errors or ()}
    entries = [dict(e, value=one) for e in names or [] for one in (e["values"] if "values" in e else [e.get("value")])]
    seen = {}
    for entry in entries:
        value, kind, var = str(entry.get("value")), entry.get("kind"), entry.get("var")
        if var in refused:
            continue
        if (kind, value) in seen:
            errors.append(f"{var} in environment {env!r}: gives the {kind.replace('_', ' ')} name {value!r} twice")
            continue
        seen[(kind, value)] = var
        if kind == "s3_bucket":
            problem = bucket_problem(value)
        elif kind == "ssm_path":
            problem = ssm_path_problem(value)
        elif kind == "kms_alias" and value.lower().startswith("alias/aws/"):
            problem = "is under alias/aws/, which KMS reserves for AWS managed keys"
        else:
            pattern, rule = RULES[kind]
            problem = None if pattern.match(value) else f"is not {rule}"
        if problem:
            shown = value.replace(ACCOUNT_PLACEHOLDER, "<account-id>")
            label = kind.replace("_", " ")
            errors.append(f"{var} in environment {env!r}: gives the {label} name {shown!r}, which {problem}")
    return errors


def merged_tag_errors(tags, env, var, added=1):
    """The tags a role puts on its resources (its own, trading_extra_tags and its extra tags, merged).

    ``added``: how many more the role adds to some resource (Name, the autoscaler's).
    """
    if not isinstance(tags, Mapping):
        return []
    errors = []
    if len(tags) + added > MAX_TAGS:
        errors.append(
            f"{var} in environment {env!r}: with trading_extra_tags and the role's own, {len(tags)} tags "
            f"(and {added} the role adds) exceed the {MAX_TAGS} AWS takes on a resource"
        )
    by_lower = {}
    for key in tags:
        by_lower.setdefault(str(key).lower(), []).append(str(key))
    for keys in by_lower.values():
        if len(keys) > 1:
            errors.append(
                f"{var} in environment {env!r}: tag keys {', '.join(sorted(keys))} differ only in case; "
                "IAM and the tag editor take them as one key"
            )
    return errors


REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
ACCOUNT_RE = re.compile(r"^\d{12}$")


def platform_validation_errors(v):
    """The environment itself: its name, its tier against its name, its account, its region."""
    env = v.get("trading_env")
    if not isinstance(env, str) or not ENV_RE.match(env):
        # Every name the roles derive would be refused too: say it once.
        return [f"trading_env: {env!r} must be a short lower-case name such as dev, staging or prod"]
    errors = list(tier_errors(v))
    if v.get("trading_tier") not in (None, *TIERS):
        errors.append(f"trading_tier in environment {env!r}: must be one of {', '.join(TIERS)}")
    account = v.get("trading_aws_account_id") or ""
    if account and not ACCOUNT_RE.match(str(account)):
        errors.append(f"trading_aws_account_id in environment {env!r}: {account!r} is not a 12-digit AWS account id")
    ttl = v.get("platform_lock_ttl")
    if isinstance(ttl, int) and not 60 <= ttl <= 7 * 86400:
        errors.append(
            f"platform_lock_ttl in environment {env!r}: {ttl} must be 60 seconds to a week, longer than the longest run"
        )
    region = v.get("trading_aws_region")
    if isinstance(region, str) and REGION_RE.match(region) and unknown_region(region):
        errors.append(
            f"trading_aws_region in environment {env!r}: {region!r} is not an AWS region (botocore lists "
            f"{len(known_regions())}, such as us-east-1, eu-west-1, ap-southeast-1)"
        )
    return errors


def cross_role_errors(inputs):
    """What one role assumes of another's names: the cluster the network tags its subnets for, and the
    data tier's clients group the nodes join. ``inputs``: role name -> its checked inputs (or {})."""
    eks, network, data = (inputs.get(r) or {} for r in ("eks", "network", "data_tier"))
    env = eks.get("trading_env")
    errors = []
    cluster, tagged_for = eks.get("eks_cluster_name"), network.get("network_eks_cluster_name")
    if cluster and tagged_for not in (None, "", cluster):
        errors.append(
            f"network_eks_cluster_name in environment {env!r}: is {tagged_for!r}, but the cluster is {cluster!r} "
            "(eks_cluster_name): its load balancers would find no subnet tagged for it; give both the same name"
        )
    if eks.get("eks_join_data_clients") and data.get("data_tier_name"):
        wanted = f"{data['data_tier_name']}-data-clients"
        named = eks.get("eks_data_clients_security_group_name")
        if named and named != wanted:
            errors.append(
                f"eks_data_clients_security_group_name in environment {env!r}: is {named!r}, but the data tier's "
                f"clients group is {wanted!r} (data_tier_name): the nodes could not reach Aurora and Redis"
            )
    return errors


def account_preflight_checks(inputs, addon_versions=None):
    """What the account preflight asks, from the inputs the roles' contracts checked.

    ``inputs``: role name -> the ``inputs`` its validate_inputs returned (absent when the role's
    validation did not run); ``addon_versions``: the add-on versions the eks role installs.
    """
    network = inputs.get("network") or {}
    eks = inputs.get("eks") or {}
    data = inputs.get("data_tier") or {}
    checks = {
        "zones": list(network.get("network_azs") or []),
        "zone_count": int(network.get("network_az_count") or 0),
        "instance_types": [
            {"variable": f"eks_nodegroups[{group.get('name')}].instance_types", "types": list(group["instance_types"])}
            for group in eks.get("eks_nodegroups") or []
            if group.get("instance_types")
        ],
        "aurora": None,
        "cache": None,
        "eks_addons": None,
        "certificates": [],
        "principals": [
            {"variable": f"eks_admin_role_arns[{i}]", "arn": arn}
            for i, arn in enumerate(eks.get("eks_admin_role_arns") or [])
        ],
        "policies": [
            {"variable": f"eks_service_accounts[{sa.get('namespace')}/{sa.get('name')}].managed_policies", "arn": arn}
            for sa in eks.get("eks_service_accounts") or []
            for arn in sa.get("managed_policies") or []
        ],
    }
    alb = inputs.get("alb") or {}
    if alb.get("alb_certificate_arn"):
        checks["certificates"].append({"variable": "alb_certificate_arn", "arn": alb["alb_certificate_arn"]})
    if data and data.get("data_tier_aurora_enabled", True):
        checks["aurora"] = {
            "engine_version": data["data_tier_aurora_engine_version"],
            "instance_class": data["data_tier_aurora_instance_class"],
        }
    if data and data.get("data_tier_redis_enabled", True):
        checks["cache"] = {
            "engine_version": data["data_tier_redis_engine_version"],
            "node_type": data["data_tier_redis_node_type"],
        }
    if eks and addon_versions:
        checks["eks_addons"] = {"kubernetes_version": eks["eks_cluster_version"], "versions": dict(addon_versions)}
    return checks


class FilterModule:
    def filters(self):
        return {
            "account_preflight_checks": account_preflight_checks,
            "cross_role_errors": cross_role_errors,
            "derived_name_errors": derived_name_errors,
            "is_production_environment": is_production,
            "merged_tag_errors": merged_tag_errors,
            "platform_validation_errors": platform_validation_errors,
        }
