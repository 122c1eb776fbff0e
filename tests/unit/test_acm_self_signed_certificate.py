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
    planned = run(check_mode=True)
    created = run()
    assert created["changed"] is True and created["certificate_arn"].startswith("arn:aws:acm:us-east-1:")
    assert created["resources"] == [
        {"kind": "certificate", "name": "test-cert", "action": "create", "changes": created["actions"]}
    ]
    assert planned["resources"] == created["resources"]
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
    assert aws.writes() == [] and again["resources"] == []


def test_the_private_key_is_not_in_the_result(aws, run):
    result = run()
    assert "PRIVATE KEY" not in repr(result)


def test_check_mode_imports_nothing(aws, run):
    result = run(check_mode=True)
    assert result["changed"] is True and result["certificate_arn"] is None
    assert aws.client("acm").list_certificates()["CertificateSummaryList"] == []


def test_a_new_domain_reimports_under_the_same_arn(aws, run):
    first = run()
    second = run(domain_name="staging.trading.internal", tags={"Environment": "staging"})
    assert second["changed"] is True and second["certificate_arn"] == first["certificate_arn"]
    # Re-imported in place and retagged: one certificate changed.
    assert second["resources"] == [
        {"kind": "certificate", "name": "test-cert", "action": "change", "changes": second["actions"]}
    ]
    assert len(second["actions"]) == 2
    cert = aws.client("acm").describe_certificate(CertificateArn=first["certificate_arn"])["Certificate"]
    assert cert["DomainName"] == "staging.trading.internal"


def test_renews_when_expiry_is_near(aws, run):
    first = run(validity_days=10)
    second = run()
    assert second["changed"] is True and second["actions"][0].startswith("renew")
    assert second["certificate_arn"] == first["certificate_arn"]


def test_absent_deletes(aws, run):
    run()
    planned = run(state="absent", check_mode=True)
    deleted = run(state="absent")
    assert deleted["changed"] is True
    assert [(r["kind"], r["name"], r["action"]) for r in deleted["resources"]] == [
        ("certificate", "test-cert", "delete")
    ]
    assert planned["resources"] == deleted["resources"]
    assert aws.client("acm").list_certificates()["CertificateSummaryList"] == []
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_an_older_duplicate_is_its_own_deleted_resource(aws, run):
    cert_pem, key_pem = module.generate("dev.trading.internal", 365, 2048)
    acm = aws.client("acm")
    older = acm.import_certificate(
        Certificate=cert_pem, PrivateKey=key_pem, Tags=[{"Key": "Name", "Value": "test-cert"}]
    )
    newer = run()  # finds the one above and keeps it: only its tags change
    assert newer["certificate_arn"] == older["CertificateArn"]
    newest = acm.import_certificate(
        Certificate=cert_pem,
        PrivateKey=key_pem,
        Tags=[{"Key": "Name", "Value": "test-cert"}, {"Key": "Environment", "Value": "test"}],
    )
    result = run()
    # The module keeps the most recent import; both were imported within the same second here, so
    # either can be the one ACM lists as the latest: the other is the duplicate, deleted.
    both = {newest["CertificateArn"], older["CertificateArn"]}
    kept = result["certificate_arn"]
    assert kept in both
    (dropped,) = both - {kept}
    assert result["resources"] == [
        {
            "kind": "certificate",
            "name": f"test-cert ({dropped.rsplit('/', 1)[-1]})",
            "action": "delete",
            "changes": [f"delete duplicate certificate {dropped}"],
        }
    ]
