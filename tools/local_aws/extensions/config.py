"""AWS Config conformance packs (moto 5.2 has only the organization-level ones)."""

from __future__ import annotations

import uuid

from .base import ACCOUNT_ID, Extension, epoch, error


class ConformancePacks(Extension):
    def reset(self) -> None:
        with self.lock:
            self.packs: dict = {}  # (region, name) -> pack detail

    def routes(self) -> dict:
        ops = [
            "PutConformancePack",
            "DescribeConformancePacks",
            "DescribeConformancePackStatus",
            "DeleteConformancePack",
        ]
        return {("config", op): getattr(self, "_" + op) for op in ops}

    def _PutConformancePack(self, req):
        body = req.json()
        name = body.get("ConformancePackName", "")
        if not name or not (
            body.get("TemplateBody") or body.get("TemplateS3Uri") or body.get("TemplateSSMDocumentDetails")
        ):
            return error(
                400,
                "ValidationException",
                "Either TemplateBody, TemplateS3Uri or TemplateSSMDocumentDetails must be provided",
            )
        with self.lock:
            pack = self.packs.get((req.region, name))
            if pack is None:
                pack_id = "conformance-pack-" + uuid.uuid4().hex[:14]
                pack = {
                    "ConformancePackName": name,
                    "ConformancePackArn": f"arn:aws:config:{req.region}:{ACCOUNT_ID}:conformance-pack/{name}/{pack_id}",
                    "ConformancePackId": pack_id,
                    "CreatedBy": "",
                }
                self.packs[(req.region, name)] = pack
            pack["ConformancePackInputParameters"] = body.get("ConformancePackInputParameters", [])
            pack["LastUpdateRequestedTime"] = epoch()
            pack["TemplateBody"] = body.get("TemplateBody", "")
            for opt in ("DeliveryS3Bucket", "DeliveryS3KeyPrefix", "TemplateSSMDocumentDetails"):
                if body.get(opt):
                    pack[opt] = body[opt]
        return 200, {"ConformancePackArn": pack["ConformancePackArn"]}

    def _DescribeConformancePacks(self, req):
        names = req.json().get("ConformancePackNames") or []
        found = []
        for name in names:
            if (req.region, name) not in self.packs:
                return error(
                    400,
                    "NoSuchConformancePackException",
                    f"One or more conformance packs with specified names are not present: {name}",
                )
        for (region, name), pack in sorted(self.packs.items()):
            if region == req.region and (not names or name in names):
                found.append({k: v for k, v in pack.items() if k != "TemplateBody"})
        return 200, {"ConformancePackDetails": found}

    def _DescribeConformancePackStatus(self, req):
        names = req.json().get("ConformancePackNames") or []
        out = []
        for (region, name), pack in sorted(self.packs.items()):
            if region == req.region and (not names or name in names):
                out.append(
                    {
                        "ConformancePackName": name,
                        "ConformancePackId": pack["ConformancePackId"],
                        "ConformancePackArn": pack["ConformancePackArn"],
                        "ConformancePackState": "CREATE_COMPLETE",
                        "StackArn": (
                            f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/"
                            f"awsconfigconforms-{name}/{pack['ConformancePackId']}"
                        ),
                        "LastUpdateRequestedTime": pack["LastUpdateRequestedTime"],
                        "LastUpdateCompletedTime": pack["LastUpdateRequestedTime"],
                    }
                )
        return 200, {"ConformancePackStatusDetails": out}

    def _DeleteConformancePack(self, req):
        name = req.json().get("ConformancePackName")
        with self.lock:
            if self.packs.pop((req.region, name), None) is None:
                return error(400, "NoSuchConformancePackException", f"Conformance pack {name} is not present")
        return 200, {}
