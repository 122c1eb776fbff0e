"""WAFv2 ListResourcesForWebACL (moto 5.2 stores associations but cannot list them)."""

from __future__ import annotations

from moto.wafv2.models import wafv2_backends

from .base import ACCOUNT_ID, Extension, error


class WafResources(Extension):
    def reset(self) -> None:
        """State lives in moto's own WAFv2 backend."""

    def routes(self) -> dict:
        return {("wafv2", "ListResourcesForWebACL"): self._ListResourcesForWebACL}

    def _ListResourcesForWebACL(self, req):
        arn = req.json().get("WebACLArn", "")
        web_acl = wafv2_backends[ACCOUNT_ID][req.region].wacls.get(arn)
        if web_acl is None:
            return error(
                400,
                "WAFNonexistentItemException",
                "AWS WAF couldn't perform the operation because your resource doesn't exist.",
            )
        wanted = req.json().get("ResourceType", "APPLICATION_LOAD_BALANCER")
        kinds = {
            "APPLICATION_LOAD_BALANCER": ":elasticloadbalancing:",
            "API_GATEWAY": ":apigateway:",
            "APPSYNC": ":appsync:",
            "COGNITO_USER_POOL": ":cognito-idp:",
            "APP_RUNNER_SERVICE": ":apprunner:",
            "VERIFIED_ACCESS_INSTANCE": ":ec2:",
        }
        marker = kinds.get(wanted, "")
        return 200, {"ResourceArns": [r for r in web_acl.associated_resources if marker in r]}
