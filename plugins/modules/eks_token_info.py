#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: eks_token_info
short_description: A short-lived bearer token for an EKS cluster's API server, from the caller's AWS credentials
version_added: 1.0.0
description:
  - Makes the token C(aws eks get-token) makes, without the AWS CLI, so that kubernetes.core modules can
    reach an EKS API server as the IAM principal running Ansible (which needs an access entry).
  - The token is a presigned STS GetCallerIdentity request bound to the cluster's name; it is valid
    for about 15 minutes and grants nothing outside the cluster. Always register it on a task with no_log set to true.
  - Calls no AWS API (the request is signed locally) and changes nothing; it runs in check mode too,
    so that check-mode runs of kubernetes.core modules can compare with the cluster.
author:
  - 99Tech platform engineering (@99tech)
options:
  cluster_name:
    description: The cluster.
    type: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Token for the cluster's API
  ninetynine.trading_infra.eks_token_info:
    cluster_name: trading-prod
  register: eks_api
  no_log: true

- name: A namespace, as the principal running Ansible
  kubernetes.core.k8s:
    host: "{{ cluster_endpoint }}"
    api_key: "{{ eks_api.token }}"
    ca_cert: /tmp/trading-prod-ca.crt
    definition:
      apiVersion: v1
      kind: Namespace
      metadata:
        name: ledger
"""

RETURN = r"""
token:
  description: The bearer token (C(k8s-aws-v1.) and a base64url presigned URL).
  returned: always
  type: str
expires_in:
  description: Seconds the presigned request stays valid for STS.
  returned: always
  type: int
  sample: 60
"""

import base64

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

PREFIX = "k8s-aws-v1."
EXPIRES = 60  # what aws eks get-token asks for; STS accepts the token for 15 minutes after signing


def make_token(sts, cluster_name):
    """A presigned GetCallerIdentity URL that carries the signed x-k8s-aws-id header, base64url'd."""

    def add_cluster_header(request, **_kwargs):
        request.headers.add_header("x-k8s-aws-id", cluster_name)

    sts.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster_header)
    url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=EXPIRES, HttpMethod="GET")
    return PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            cluster_name=dict(type="str", required=True),
        ),
        supports_check_mode=True,
    )
    sts = module.client("sts")
    token = make_token(sts, module.params["cluster_name"])
    module.exit_json(changed=False, token=token, expires_in=EXPIRES)


if __name__ == "__main__":
    main()
