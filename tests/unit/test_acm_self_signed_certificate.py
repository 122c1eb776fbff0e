"""acm_self_signed_certificate against the local AWS."""

import datetime

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import acm_self_signed_certificate as module
from cryptography import x509

from tests.helpers import run_module


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **overrides):
        args = {"name": "test-cert", "domain_name": "dev.trading.internal", "tags": {"Environment": "test"}}
        args.update(overrides)
        return run_module(module, args, check_mode=check_mode, capsys=capsys)

    return _run


def test_imports_once_then_no_op(aws, run):
    created = run()
    assert created["changed"] is True and created["certificate_arn"].startswith("arn:aws:acm:us-east-1:")
    acm = aws.client("acm")
    cert = acm.describe_certificate(CertificateArn=created["certificate_arn"])["Certificate"]
    assert cert["DomainName"] == "dev.trading.internal" and cert["Type"] == "IMPORTED"
    pem = acm.get_certificate(CertificateArn=created["certificate_arn"])["Certificate"]
    parsed = x509.load_pem_x509_certificate(pem.encode())
    assert parsed.not_valid_after_utc - datetime.datetime.now(datetime.UTC) > datetime.timedelta(days=360)
    tags = {
        t["Key"]: t["Value"] for t in acm.list_tags_for_certificate(CertificateArn=created["certificate_arn"])["Tags"]
    }
    assert tags == {"Name": "test-cert", "Environment": "test"}
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and again["certificate_arn"] == created["certificate_arn"]
    assert aws.writes() == []


def test_the_private_key_is_not_in_the_result(aws, run):
    result = run()
    assert "PRIVATE KEY" not in repr(result)


def test_check_mode_imports_nothing(aws, run):
    result = run(check_mode=True)
    assert result["changed"] is True and result["certificate_arn"] is None
    assert aws.client("acm").list_certificates()["CertificateSummaryList"] == []


def test_a_new_domain_reimports_under_the_same_arn(aws, run):
    first = run()
    second = run(domain_name="staging.trading.internal")
    assert second["changed"] is True and second["certificate_arn"] == first["certificate_arn"]
    cert = aws.client("acm").describe_certificate(CertificateArn=first["certificate_arn"])["Certificate"]
    assert cert["DomainName"] == "staging.trading.internal"


def test_renews_when_expiry_is_near(aws, run):
    first = run(validity_days=10)
    second = run()
    assert second["changed"] is True and second["actions"][0].startswith("renew")
    assert second["certificate_arn"] == first["certificate_arn"]


def test_absent_deletes(aws, run):
    run()
    assert run(state="absent")["changed"] is True
    assert aws.client("acm").list_certificates()["CertificateSummaryList"] == []
    assert run(state="absent")["changed"] is False
