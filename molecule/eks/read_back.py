"""Read an EKS cluster and all around it back from AWS as JSON (molecule verify asserts on it)."""

import json
import sys

import boto3

name = sys.argv[1]
eks = boto3.client("eks")
iam = boto3.client("iam")
ec2 = boto3.client("ec2")
cluster = eks.describe_cluster(name=name)["cluster"]
groups = [
    eks.describe_nodegroup(clusterName=name, nodegroupName=g)["nodegroup"]
    for g in eks.list_nodegroups(clusterName=name)["nodegroups"]
]
templates = {}
for group in groups:
    lt = group["launchTemplate"]
    version = ec2.describe_launch_template_versions(LaunchTemplateId=lt["id"], Versions=[str(lt["version"])])
    templates[group["nodegroupName"]] = version["LaunchTemplateVersions"][0]["LaunchTemplateData"]
issuer = cluster["identity"]["oidc"]["issuer"][len("https://") :]
providers = [
    p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] if p["Arn"].endswith(issuer)
]
entries = {}
for principal in eks.list_access_entries(clusterName=name)["accessEntries"]:
    entry = eks.describe_access_entry(clusterName=name, principalArn=principal)["accessEntry"]
    policies = eks.list_associated_access_policies(clusterName=name, principalArn=principal)["associatedAccessPolicies"]
    entries[principal] = {"type": entry["type"], "policies": [p["policyArn"].rsplit("/", 1)[-1] for p in policies]}
roles = {}
for role in (f"{name}-eks-cluster", f"{name}-eks-node", f"{name}-vpc-cni", f"{name}-cluster-autoscaler"):
    found = iam.get_role(RoleName=role)["Role"]
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    roles[role] = {
        "trust": found["AssumeRolePolicyDocument"],
        "policies": sorted(p["PolicyName"] for p in attached),
        "inline": iam.list_role_policies(RoleName=role)["PolicyNames"],
    }
addons = {
    a: eks.describe_addon(clusterName=name, addonName=a)["addon"] for a in eks.list_addons(clusterName=name)["addons"]
}
clients = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{name}-data-clients"]}])
print(
    json.dumps(
        {
            "cluster": cluster,
            "nodegroups": groups,
            "templates": templates,
            "oidc_providers": providers,
            "access_entries": entries,
            "roles": roles,
            "addons": addons,
            "data_clients_group": clients["SecurityGroups"][0]["GroupId"],
        },
        default=str,
    )
)
