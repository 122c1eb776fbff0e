#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: acm_self_signed_certificate
short_description: Keep a self-signed certificate in ACM for a non-production HTTPS endpoint
version_added: 1.0.0
description:
  - Finds the certificate by its C(Name) tag in ACM; when there is none, or it expires within
    O(renew_days), generates a new RSA key and a self-signed certificate for O(domain_name) inside
    the module and imports it (re-importing in place, so the ARN stays the same).
  - The private key exists only in this module's memory and in ACM. It never passes through Ansible
    variables, task output, logs or disk, which an import with M(community.aws.acm_certificate)
    would need.
  - Meant for environments without a real certificate (the local AWS, dev, staging); production
    listeners take a certificate issued by ACM or a CA.
  - Supports check mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  name:
    description: The certificate's C(Name) tag, its identity.
    type: str
    required: true
  domain_name:
    description: Subject common name and DNS subject alternative name.
    type: str
  validity_days:
    description: How long a generated certificate is valid.
    type: int
    default: 365
  renew_days:
    description: Re-import a fresh certificate when the current one expires within this many days.
    type: int
    default: 30
  key_size:
    description: RSA key size.
    type: int
    default: 2048
    choices: [2048, 3072, 4096]
  state:
    description: V(absent) deletes the certificate (AWS refuses while a listener still uses it).
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
- name: A certificate for the dev load balancer
  ninetynine.trading_infra.acm_self_signed_certificate:
    name: trading-dev-alb-self-signed
    domain_name: dev.trading.internal
    tags:
      Environment: dev
  register: cert

- name: Use it
  ansible.builtin.debug:
    msg: "{{ cert.certificate_arn }}"
"""

RETURN = r"""
certificate_arn:
  description: ARN of the certificate (null in check mode before it exists, or after deletion).
  returned: always
  type: str
  sample: arn:aws:acm:us-east-1:123456789012:certificate/0d5e3f7a-1111-2222-3333-444455556666
not_after:
  description: Expiry of the certificate in ACM, ISO 8601.
  returned: when the certificate exists
  type: str
  sample: "2027-11-24T06:30:00+00:00"
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["import self-signed certificate trading-dev-alb-self-signed for dev.trading.internal"]
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and
      the changes it gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, as the AWS console names it.
      type: str
      choices: [certificate]
    name:
      description: The C(Name) tag (O(name)); an older duplicate deleted has its id in brackets after it.
      type: str
    action:
      description: What happens to the resource.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets, as RV(actions) words them.
      type: list
      elements: str
  sample:
    - kind: certificate
      name: trading-dev-alb-self-signed
      action: change
      changes:
        - renew self-signed certificate trading-dev-alb-self-signed for dev.trading.internal
"""

import datetime

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    HAS_CRYPTOGRAPHY = True
except ImportError:
    HAS_CRYPTOGRAPHY = False

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan


def generate(domain_name, validity_days, key_size):
    """A fresh key and self-signed certificate, both PEM bytes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=validity_days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain_name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def find(client, name):
    """Our certificate: the one ACM lists whose Name tag is ``name`` (newest if several)."""
    found = []
    for summary in paginate(client, "list_certificates", "CertificateSummaryList"):
        arn = summary["CertificateArn"]
        tags = boto3_tag_list_to_ansible_dict(
            client.list_tags_for_certificate(CertificateArn=arn, aws_retry=True)["Tags"]
        )
        if tags.get("Name") == name:
            detail = client.describe_certificate(CertificateArn=arn, aws_retry=True)["Certificate"]
            found.append((detail, tags))
    found.sort(key=lambda d: str(d[0].get("CreatedAt") or d[0].get("ImportedAt") or ""), reverse=True)
    return found


def resource_name(name, detail, newest):
    """How ``resources`` names a certificate: by its Name tag, an older duplicate with its id too."""
    if detail is newest:
        return name
    return f"{name} ({detail['CertificateArn'].rsplit('/', 1)[-1]})"


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        domain_name=dict(type="str"),
        validity_days=dict(type="int", default=365),
        renew_days=dict(type="int", default=30),
        key_size=dict(type="int", default=2048, choices=[2048, 3072, 4096]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["domain_name"])],
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg="the Python library cryptography is required (it comes with ansible-core)")
    p = module.params
    client = module.client("acm", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    wanted_tags = dict(p["tags"] or {}, Name=p["name"])
    try:
        found = find(client, p["name"])
        if p["state"] == "absent":
            for detail, _tags in found:
                plan.about("certificate", resource_name(p["name"], detail, found[0][0]), wanted=False)
                plan.do(
                    f"delete certificate {p['name']} {detail['CertificateArn']}",
                    client.delete_certificate,
                    CertificateArn=detail["CertificateArn"],
                    aws_retry=True,
                )
            plan.exit_json(module, certificate_arn=None)

        current, current_tags = found[0] if found else (None, {})
        # Older duplicates (a run that died between import and tagging the next one) go away.
        for detail, _tags in found[1:]:
            plan.about("certificate", resource_name(p["name"], detail, current), wanted=False)
            plan.do(
                f"delete duplicate certificate {detail['CertificateArn']}",
                client.delete_certificate,
                CertificateArn=detail["CertificateArn"],
                aws_retry=True,
            )
        now = datetime.datetime.now(datetime.UTC)
        not_after = current.get("NotAfter") if current else None
        stale = current is not None and (
            current.get("DomainName") != p["domain_name"]
            or not_after is None
            or not_after - now < datetime.timedelta(days=p["renew_days"])
        )
        arn = current["CertificateArn"] if current else None
        # A renewal re-imports in place (same ARN): a change; its tags are part of it too.
        plan.about("certificate", p["name"], exists=current is not None)
        if current is None or stale:
            why = "renew" if current else "import"
            label = f"{why} self-signed certificate {p['name']} for {p['domain_name']}"
            if module.check_mode:
                plan.do(label)
            else:
                cert_pem, key_pem = generate(p["domain_name"], p["validity_days"], p["key_size"])
                request = {"Certificate": cert_pem, "PrivateKey": key_pem}
                if arn:
                    request["CertificateArn"] = arn
                else:
                    request["Tags"] = ansible_dict_to_boto3_tag_list(wanted_tags)
                arn = plan.do(label, client.import_certificate, aws_retry=True, **request)["CertificateArn"]
                del key_pem, request
        if arn and current is not None:
            to_set, to_unset = compare_aws_tags(current_tags, wanted_tags, purge_tags=p["purge_tags"])
            if to_set:
                plan.do(
                    f"tag certificate {arn}: set {', '.join(sorted(to_set))}",
                    client.add_tags_to_certificate,
                    CertificateArn=arn,
                    Tags=ansible_dict_to_boto3_tag_list(to_set),
                    aws_retry=True,
                )
            if to_unset:
                plan.do(
                    f"tag certificate {arn}: remove {', '.join(sorted(to_unset))}",
                    client.remove_tags_from_certificate,
                    CertificateArn=arn,
                    Tags=[{"Key": k} for k in to_unset],
                    aws_retry=True,
                )
        if arn and plan.changed and not module.check_mode:
            not_after = client.describe_certificate(CertificateArn=arn, aws_retry=True)["Certificate"].get("NotAfter")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="certificate reconciliation failed", actions=plan.actions, resources=plan.resources)

    plan.exit_json(
        module,
        certificate_arn=arn,
        not_after=not_after.isoformat() if not_after else None,
    )


if __name__ == "__main__":
    main()
