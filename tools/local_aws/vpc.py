"""EC2 networking as AWS keeps it, where moto 5.2 differs in ways the network role depends on.

* A new VPC's default security group admits all traffic from itself and sends all traffic anywhere
  (Amazon VPC User Guide, "Default security groups for your VPCs": inbound "All traffic" from the
  security group ID, outbound "All traffic" to 0.0.0.0/0). moto creates the egress rule only, so a
  test of revoking the inbound rule would prove nothing.
* VPC endpoint policies (CreateVpcEndpoint, ModifyVpcEndpoint ``PolicyDocument``) are a JSON
  object of at most 20,480 characters, white space included (AWS PrivateLink Guide, "Control
  access to VPC endpoints using endpoint policies": "The maximum size of an endpoint policy is
  20,480 characters (including white space)"). EC2 answers InvalidPolicyDocument ("The Policy
  Document is not valid. Syntax error at position (1,75)", as reported in
  hashicorp/terraform-provider-aws #42291). moto stores any string.
* Network ACL entry rule numbers (CreateNetworkAclEntry, ReplaceNetworkAclEntry ``RuleNumber``) are
  1 to 32766 (API reference: "Constraints: Positive integer from 1 to 32766. The range 32767 to
  65535 is reserved for internal use."). InvalidParameterValue. A second entry with the number of
  an existing one in the same direction is refused with NetworkAclEntryAlreadyExists, which moto
  already does.
* CreateNetworkAclEntry and ReplaceNetworkAclEntry keep an ICMP entry's type and code
  (``IcmpTypeCode``), which moto drops.
* DeleteSubnet ends the subnet's network ACL association (a subnet is associated with exactly one
  network ACL, Amazon VPC User Guide, "Control subnet traffic with network access control lists");
  moto keeps it, and the ACL could then never be deleted.
* DeleteVpc refuses a VPC that still has a network ACL of its own (API reference DeleteVpc: "You
  must detach or delete all gateways and resources that are associated with the VPC before you can
  delete it ... When you delete the VPC, it deletes the default security group, network ACL, and
  route table for the VPC"): DependencyViolation. The default network ACL goes with the VPC; moto
  leaves it behind.
"""

from __future__ import annotations

import json

MAX_ENDPOINT_POLICY = 20_480
RULE_NUMBERS = range(1, 32767)


def _ec2_error(code: str, message: str):
    from moto.ec2.exceptions import EC2ClientError

    raise EC2ClientError(code, message)


def check_endpoint_policy(policy) -> None:
    """Refuse an endpoint policy AWS refuses; None (no policy given) is AWS's full-access default."""
    if policy is None:
        return
    if len(policy) > MAX_ENDPOINT_POLICY:
        _ec2_error(
            "InvalidPolicyDocument",
            f"The Policy Document is not valid. Policy document length {len(policy)} exceeds the maximum "
            f"of {MAX_ENDPOINT_POLICY} characters",
        )
    try:
        document = json.loads(policy)
    except ValueError as e:
        _ec2_error(
            "InvalidPolicyDocument",
            f"The Policy Document is not valid. Syntax error at position ({e.lineno},{e.colno})",
        )
    if not isinstance(document, dict) or "Statement" not in document:
        _ec2_error("InvalidPolicyDocument", "The Policy Document is not valid. It must be an object with a Statement")


def check_rule_number(value) -> None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number not in RULE_NUMBERS:
        _ec2_error(
            "InvalidParameterValue",
            f"Invalid value '{value}' for ruleNumber. It must be a positive integer from 1 to 32766; "
            "32767 to 65535 are reserved for internal use",
        )


def apply() -> None:
    """Patch moto's EC2 with the rules above."""
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models import EC2Backend
    from moto.ec2.responses.network_acls import NetworkACLs

    create_vpc = EC2Backend.create_vpc

    def create_vpc_with_aws_default_group(self, *args, **kwargs):
        vpc = create_vpc(self, *args, **kwargs)
        group = self.get_security_group_from_name("default", vpc_id=vpc.id)
        if group is not None and not group.ingress_rules:
            self.authorize_security_group_ingress(
                group_name_or_id=group.id,
                ip_protocol="-1",
                from_port=None,
                to_port=None,
                ip_ranges=[],
                source_groups=[{"GroupId": group.id}],
                vpc_id=vpc.id,
            )
        return vpc

    EC2Backend.create_vpc = create_vpc_with_aws_default_group

    create_endpoint = EC2Backend.create_vpc_endpoint

    def checked_create_endpoint(self, vpc_id, service_name, endpoint_type, policy_document, *args, **kwargs):
        check_endpoint_policy(policy_document)
        return create_endpoint(self, vpc_id, service_name, endpoint_type, policy_document, *args, **kwargs)

    EC2Backend.create_vpc_endpoint = checked_create_endpoint

    modify_endpoint = EC2Backend.modify_vpc_endpoint

    def checked_modify_endpoint(self, vpc_id, policy_doc, *args, **kwargs):
        check_endpoint_policy(policy_doc)
        return modify_endpoint(self, vpc_id, policy_doc, *args, **kwargs)

    EC2Backend.modify_vpc_endpoint = checked_modify_endpoint

    # The response layer: the backend itself writes the reserved 32767 entries of a new ACL.
    for name in ("create_network_acl_entry", "replace_network_acl_entry"):
        original = getattr(NetworkACLs, name)

        def checked_entry(self, _original=original):
            check_rule_number(self._get_param("RuleNumber"))
            answer = _original(self)
            # moto looks for "Icmp.Type"/"Icmp.Code" among parameters it has already parsed into
            # IcmpTypeCode, and so drops them: the entry keeps the ICMP type and code it was given.
            icmp = self._get_param("IcmpTypeCode") or {}
            if icmp:
                acl = self.ec2_backend.get_network_acl(self._get_param("NetworkAclId"))
                egress = self._get_param("Egress") in (True, "true")
                for entry in acl.network_acl_entries:
                    if (
                        int(entry.rule_number) == int(self._get_param("RuleNumber"))
                        and (entry.egress in (True, "true")) == egress
                    ):
                        entry.icmp_type, entry.icmp_code = icmp.get("Type"), icmp.get("Code")
            return answer

        setattr(NetworkACLs, name, checked_entry)

    delete_subnet = EC2Backend.delete_subnet

    def delete_subnet_and_its_acl_association(self, subnet_id):
        subnet = delete_subnet(self, subnet_id)
        for acl in self.network_acls.values():
            for association_id, association in list(acl._associations.items()):
                if association.subnet_id == subnet_id:
                    del acl._associations[association_id]
        return subnet

    EC2Backend.delete_subnet = delete_subnet_and_its_acl_association

    delete_vpc = EC2Backend.delete_vpc

    def delete_vpc_after_its_acls(self, vpc_id):
        own = [acl.id for acl in self.network_acls.values() if acl.vpc_id == vpc_id and not acl.default]
        if own:
            raise DependencyViolationError(
                f"The vpc '{vpc_id}' has dependencies and cannot be deleted (network ACLs {', '.join(own)})."
            )
        vpc = delete_vpc(self, vpc_id)
        for acl_id in [acl.id for acl in self.network_acls.values() if acl.vpc_id == vpc_id]:
            del self.network_acls[acl_id]
        return vpc

    EC2Backend.delete_vpc = delete_vpc_after_its_acls
