"""Security Hub standards (moto 5.2 enables the hub but knows no standards)."""

from __future__ import annotations

from moto.securityhub.models import securityhub_backends

from .base import ACCOUNT_ID, Extension, error


def _standards(region: str) -> list[dict]:
    aws = {"Company": "AWS", "Product": "Security Hub"}
    return [
        {
            "StandardsArn": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
            "Name": "CIS AWS Foundations Benchmark v1.2.0",
            "Description": "The Center for Internet Security (CIS) AWS Foundations Benchmark v1.2.0",
            "EnabledByDefault": True,
            "StandardsManagedBy": aws,
        },
        {
            "StandardsArn": f"arn:aws:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/1.4.0",
            "Name": "CIS AWS Foundations Benchmark v1.4.0",
            "Description": "The Center for Internet Security (CIS) AWS Foundations Benchmark v1.4.0",
            "EnabledByDefault": False,
            "StandardsManagedBy": aws,
        },
        {
            "StandardsArn": f"arn:aws:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/3.0.0",
            "Name": "CIS AWS Foundations Benchmark v3.0.0",
            "Description": "The Center for Internet Security (CIS) AWS Foundations Benchmark v3.0.0",
            "EnabledByDefault": False,
            "StandardsManagedBy": aws,
        },
        {
            "StandardsArn": f"arn:aws:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0",
            "Name": "AWS Foundational Security Best Practices v1.0.0",
            "Description": "The AWS Foundational Security Best Practices standard",
            "EnabledByDefault": True,
            "StandardsManagedBy": aws,
        },
        {
            "StandardsArn": f"arn:aws:securityhub:{region}::standards/nist-800-53/v/5.0.0",
            "Name": "NIST Special Publication 800-53 Revision 5",
            "Description": "NIST SP 800-53 Rev. 5",
            "EnabledByDefault": False,
            "StandardsManagedBy": aws,
        },
        {
            "StandardsArn": f"arn:aws:securityhub:{region}::standards/pci-dss/v/3.2.1",
            "Name": "PCI DSS v3.2.1",
            "Description": "PCI DSS v3.2.1",
            "EnabledByDefault": False,
            "StandardsManagedBy": aws,
        },
    ]


def _subscription_arn(region: str, standards_arn: str) -> str:
    # AWS derives it from the standard's path: .../standards/<name>/v/<ver> or .../ruleset/<name>/v/<ver>
    path = standards_arn.split(":::", 1)[-1].split("::", 1)[-1]
    path = path.replace("ruleset/", "subscription/").replace("standards/", "subscription/", 1)
    return f"arn:aws:securityhub:{region}:{ACCOUNT_ID}:{path}"


class SecurityHubStandards(Extension):
    def reset(self) -> None:
        with self.lock:
            self.subscriptions: dict = {}  # (region, subscription arn) -> subscription

    def routes(self) -> dict:
        ops = [
            "DescribeStandards",
            "GetEnabledStandards",
            "BatchEnableStandards",
            "BatchDisableStandards",
            "ListTagsForResource",
            "TagResource",
            "UntagResource",
        ]
        return {("securityhub", op): getattr(self, "_" + op) for op in ops}

    @staticmethod
    def _hub_off(req):
        if not securityhub_backends[ACCOUNT_ID][req.region].enabled:
            return error(400, "InvalidAccessException", f"Account {ACCOUNT_ID} is not subscribed to AWS Security Hub")
        return None

    def _DescribeStandards(self, req):
        return 200, {"Standards": _standards(req.region)}

    def _GetEnabledStandards(self, req):
        if err := self._hub_off(req):
            return err
        wanted = set(req.json().get("StandardsSubscriptionArns") or [])
        subs = [
            s for (r, arn), s in sorted(self.subscriptions.items()) if r == req.region and (not wanted or arn in wanted)
        ]
        return 200, {"StandardsSubscriptions": subs}

    def _BatchEnableStandards(self, req):
        if err := self._hub_off(req):
            return err
        known = {s["StandardsArn"] for s in _standards(req.region)}
        out = []
        with self.lock:
            for item in req.json().get("StandardsSubscriptionRequests", []):
                arn = item.get("StandardsArn")
                if arn not in known:
                    return error(400, "InvalidInputException", f"Invalid StandardsArn: {arn}")
                sub = {
                    "StandardsSubscriptionArn": _subscription_arn(req.region, arn),
                    "StandardsArn": arn,
                    "StandardsInput": item.get("StandardsInput", {}),
                    "StandardsStatus": "READY",
                    "StandardsControlsUpdatable": "READY_FOR_UPDATES",
                }
                self.subscriptions[(req.region, sub["StandardsSubscriptionArn"])] = sub
                out.append(sub)
        return 200, {"StandardsSubscriptions": out}

    def _BatchDisableStandards(self, req):
        if err := self._hub_off(req):
            return err
        out = []
        with self.lock:
            for arn in req.json().get("StandardsSubscriptionArns", []):
                sub = self.subscriptions.pop((req.region, arn), None)
                if sub is None:
                    return error(400, "InvalidInputException", f"Invalid StandardsSubscriptionArn: {arn}")
                out.append(dict(sub, StandardsStatus="DELETING"))
        return 200, {"StandardsSubscriptions": out}

    # -- tags of the hub (kept on moto's own backend, where EnableSecurityHub put them) --------------
    @staticmethod
    def _hub_tags(req):
        backend = securityhub_backends[ACCOUNT_ID][req.region]
        arn = req.path_params.get("ResourceArn", "")
        if not backend.enabled or not arn.endswith(":hub/default"):
            return None
        if getattr(backend, "tags", None) is None:
            backend.tags = {}
        return backend.tags

    def _ListTagsForResource(self, req):
        tags = self._hub_tags(req)
        if tags is None:
            return error(404, "ResourceNotFoundException", "Resource not found")
        return 200, {"Tags": dict(tags)}

    def _TagResource(self, req):
        tags = self._hub_tags(req)
        if tags is None:
            return error(404, "ResourceNotFoundException", "Resource not found")
        with self.lock:
            tags.update(req.json().get("Tags", {}))
        return 200, {}

    def _UntagResource(self, req):
        tags = self._hub_tags(req)
        if tags is None:
            return error(404, "ResourceNotFoundException", "Resource not found")
        keys = req.query_params().get("tagKeys", [])
        with self.lock:
            for key in [keys] if isinstance(keys, str) else keys:
                tags.pop(key, None)
        return 200, {}
