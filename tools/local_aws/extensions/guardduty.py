"""GuardDuty detector tags (moto 5.2 takes tags at creation only, and cannot change or list them)."""

from __future__ import annotations

from urllib.parse import unquote

from moto.guardduty.models import guardduty_backends

from .base import ACCOUNT_ID, Extension, error


class GuardDutyTags(Extension):
    def reset(self) -> None:
        """State lives in moto's own GuardDuty backend."""

    def routes(self) -> dict:
        ops = ["TagResource", "UntagResource", "ListTagsForResource"]
        return {("guardduty", op): getattr(self, "_" + op) for op in ops}

    def _detector(self, req):
        arn = unquote(req.path_params.get("ResourceArn") or req.path_params.get("resourceArn") or "")
        detector_id = arn.rsplit("detector/", 1)[-1] if ":detector/" in arn else None
        detector = guardduty_backends[ACCOUNT_ID][req.region].detectors.get(detector_id)
        if detector is None:
            return None, error(400, "BadRequestException", f"The request is rejected because {arn} is not a detector.")
        return detector, None

    def _TagResource(self, req):
        detector, failure = self._detector(req)
        if failure:
            return failure
        with self.lock:
            detector.tags.update(req.json().get("tags") or {})
        return 200, {}

    def _UntagResource(self, req):
        detector, failure = self._detector(req)
        if failure:
            return failure
        keys = req.query_params().get("tagKeys", [])
        with self.lock:
            for key in [keys] if isinstance(keys, str) else keys:
                detector.tags.pop(key, None)
        return 200, {}

    def _ListTagsForResource(self, req):
        detector, failure = self._detector(req)
        if failure:
            return failure
        return 200, {"tags": dict(detector.tags)}
