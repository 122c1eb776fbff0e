#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: iam_oidc_provider
short_description: An IAM OpenID Connect identity provider (for EKS IRSA)
version_added: 1.0.0
description:
  - Creates, updates and deletes the IAM OIDC identity provider of an issuer URL, such as an EKS
    cluster's, so that IAM roles can trust the cluster's service accounts (IRSA).
    amazon.aws and community.aws have no module for it.
  - The client ids (audiences) and tags are kept as given; the thumbprints too when O(thumbprints)
    is given. AWS no longer needs thumbprints for providers whose certificates a public CA signs (EKS
    issuers), so by default the module leaves them as AWS has them.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  url:
    description:
      - The issuer URL (V(https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE)).
      - Required with O(state=present). With O(state=absent) and no URL, every provider whose tags
        include all of O(tags) is deleted (for a teardown that runs after the cluster is gone).
    type: str
  client_ids:
    description: The audiences.
    type: list
    elements: str
    default: [sts.amazonaws.com]
  thumbprints:
    description: SHA-1 thumbprints of the issuer's certificate chain (kept as AWS has them when omitted).
    type: list
    elements: str
  state:
    description: Whether the provider exists.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: IRSA for the cluster
  ninetynine.trading_infra.iam_oidc_provider:
    url: "{{ cluster.cluster.oidc_issuer }}"
    tags:
      Environment: prod
  register: oidc
"""

RETURN = r"""
arn:
  description: The provider's ARN (None in check mode before it exists).
  returned: when O(state=present)
  type: str
  sample: arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
issuer:
  description: The issuer without its scheme, as IAM conditions name it (C(<issuer>:sub), C(<issuer>:aud)).
  returned: when O(url) is given
  type: str
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and the
      changes it gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, always V(OIDC provider).
      type: str
    name:
      description: The provider's issuer, without its scheme (RV(issuer)).
      type: str
    action:
      description: What happens to it.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets (entries of RV(actions)).
      type: list
      elements: str
  sample:
    - kind: OIDC provider
      name: oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
      action: create
      changes:
        - create OIDC provider oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list


KIND = "OIDC provider"


def find(client, issuer):
    for provider in client.list_open_id_connect_providers(aws_retry=True)["OpenIDConnectProviderList"]:
        if provider["Arn"].split(":oidc-provider/", 1)[-1] == issuer:
            found = client.get_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"], aws_retry=True)
            return provider["Arn"], found
    return None, None


def delete_tagged(module, wanted):
    """state=absent without a URL: delete the providers whose tags include all of ``wanted``."""
    if not wanted:
        module.fail_json(msg="OIDC provider: without a url, give the tags that identify the providers to delete")
    client = module.client("iam", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    try:
        for provider in client.list_open_id_connect_providers(aws_retry=True)["OpenIDConnectProviderList"]:
            found = client.get_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"], aws_retry=True)
            tags = {t["Key"]: t["Value"] for t in found.get("Tags", [])}
            if all(tags.get(k) == v for k, v in wanted.items()):
                issuer = provider["Arn"].split(":oidc-provider/", 1)[-1]
                plan.about(KIND, issuer, wanted=False)
                plan.do(
                    f"delete OIDC provider {issuer}",
                    client.delete_open_id_connect_provider,
                    OpenIDConnectProviderArn=provider["Arn"],
                    aws_retry=True,
                )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg="OIDC providers: deletion by tags failed", actions=plan.actions, resources=plan.resources
        )
    module.exit_json(changed=plan.changed, actions=plan.actions, resources=plan.resources, issuer=None)


def main():
    argument_spec = dict(
        url=dict(type="str"),
        client_ids=dict(type="list", elements="str", default=["sts.amazonaws.com"]),
        thumbprints=dict(type="list", elements="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["url"])],
        required_one_of=[("url", "tags")],
    )
    p = module.params
    if not p["url"]:
        delete_tagged(module, p["tags"] or {})
    if not p["url"].startswith("https://"):
        module.fail_json(msg=f"OIDC provider: the issuer URL must start with https:// (got {p['url']!r})")
    issuer = p["url"][len("https://") :].rstrip("/")
    client = module.client("iam", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    try:
        arn, found = find(client, issuer)
        before = (
            {
                "client_ids": sorted(found.get("ClientIDList", [])),
                "thumbprints": sorted(found.get("ThumbprintList", [])),
                "tags": {t["Key"]: t["Value"] for t in found.get("Tags", [])},
            }
            if found
            else {}
        )
        after = {}
        plan.about(KIND, issuer, exists=arn is not None, wanted=p["state"] == "present")
        if p["state"] == "absent":
            if arn:
                plan.do(
                    f"delete OIDC provider {issuer}",
                    client.delete_open_id_connect_provider,
                    OpenIDConnectProviderArn=arn,
                    aws_retry=True,
                )
            plan.exit_json(module, before, after, issuer=issuer)
        if arn is None:
            request = {"Url": p["url"], "ClientIDList": p["client_ids"], "Tags": tag_list(p["tags"] or {})}
            if p["thumbprints"]:
                request["ThumbprintList"] = p["thumbprints"]
            created = plan.do(
                f"create OIDC provider {issuer}", client.create_open_id_connect_provider, aws_retry=True, **request
            )
            arn = created["OpenIDConnectProviderArn"] if created else None
            after = {
                "client_ids": sorted(p["client_ids"]),
                "thumbprints": sorted(p["thumbprints"] or []),
                "tags": p["tags"] or {},
            }
        else:
            after = dict(before)
            for cid in sorted(set(p["client_ids"]) - set(before["client_ids"])):
                plan.do(
                    f"OIDC provider {issuer}: add audience {cid}",
                    client.add_client_id_to_open_id_connect_provider,
                    OpenIDConnectProviderArn=arn,
                    ClientID=cid,
                    aws_retry=True,
                )
            for cid in sorted(set(before["client_ids"]) - set(p["client_ids"])):
                plan.do(
                    f"OIDC provider {issuer}: remove audience {cid}",
                    client.remove_client_id_from_open_id_connect_provider,
                    OpenIDConnectProviderArn=arn,
                    ClientID=cid,
                    aws_retry=True,
                )
            after["client_ids"] = sorted(p["client_ids"])
            if p["thumbprints"] is not None and sorted(p["thumbprints"]) != before["thumbprints"]:
                plan.do(
                    f"OIDC provider {issuer}: thumbprints {', '.join(sorted(p['thumbprints']))}",
                    client.update_open_id_connect_provider_thumbprint,
                    OpenIDConnectProviderArn=arn,
                    ThumbprintList=p["thumbprints"],
                    aws_retry=True,
                )
                after["thumbprints"] = sorted(p["thumbprints"])
            if p["tags"] is not None:
                after["tags"] = plan_tags(
                    plan,
                    f"OIDC provider {issuer}",
                    before["tags"],
                    p["tags"],
                    p["purge_tags"],
                    lambda tags: client.tag_open_id_connect_provider(
                        OpenIDConnectProviderArn=arn, Tags=tag_list(tags), aws_retry=True
                    ),
                    lambda keys: client.untag_open_id_connect_provider(
                        OpenIDConnectProviderArn=arn, TagKeys=keys, aws_retry=True
                    ),
                )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg=f"OIDC provider {issuer}: reconciliation failed", actions=plan.actions, resources=plan.resources
        )
    plan.exit_json(module, before, after, arn=arn, issuer=issuer)


if __name__ == "__main__":
    main()
