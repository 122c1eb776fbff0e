"""eks_token_info: the token aws eks get-token makes, signed locally for one cluster."""

import base64
from urllib.parse import parse_qs, urlsplit

from ansible_collections.ninetynine.trading_infra.plugins.modules import eks_token_info

from tests.helpers import run_module


def decode(token):
    assert token.startswith("k8s-aws-v1.")
    body = token[len("k8s-aws-v1.") :]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


def test_the_token_is_a_presigned_caller_identity_bound_to_the_cluster(aws, capsys):
    result = run_module(eks_token_info, {"cluster_name": "trading-test"}, capsys=capsys)
    assert result["changed"] is False and result["expires_in"] == 60
    url = urlsplit(decode(result["token"]))
    query = parse_qs(url.query)
    assert query["Action"] == ["GetCallerIdentity"] and query["X-Amz-Expires"] == ["60"]
    assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"][0].split(";")
    assert aws.calls()["total"] == 0  # signed locally: no AWS call


def test_each_cluster_gets_its_own_signature(aws, capsys):
    one = run_module(eks_token_info, {"cluster_name": "trading-a"}, capsys=capsys)["token"]
    two = run_module(eks_token_info, {"cluster_name": "trading-b"}, capsys=capsys)["token"]
    sig = [parse_qs(urlsplit(decode(t)).query)["X-Amz-Signature"][0] for t in (one, two)]
    assert sig[0] != sig[1]
