"""The local AWS's EKS (tools/local_aws/extensions/eks.py): what the eks role relies on AWS doing."""

import time

import pytest

ROLE = "arn:aws:iam::123456789012:role/eks"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666"


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def vpc(aws):
    ec2 = aws.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.3.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"][
            "SubnetId"
        ]
        for i, z in enumerate("abc")
    ]
    return vpc_id, subnets


def create(aws, subnets, name="c1", version="1.31", **extra):
    return aws.client("eks").create_cluster(
        name=name,
        version=version,
        roleArn=ROLE,
        resourcesVpcConfig={"subnetIds": subnets, "endpointPrivateAccess": True, "endpointPublicAccess": False},
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": KEY}}],
        logging={"clusterLogging": [{"types": ["api", "audit"], "enabled": True}]},
        accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
        **extra,
    )["cluster"]


def template(aws, name="ng"):
    return aws.client("ec2").create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"MetadataOptions": {"HttpTokens": "required"}}
    )["LaunchTemplate"]


def test_a_cluster_has_what_aws_gives_it(aws, vpc):
    vpc_id, subnets = vpc
    cluster = create(aws, subnets)
    assert cluster["status"] == "ACTIVE" and cluster["version"] == "1.31"
    vpc_config = cluster["resourcesVpcConfig"]
    assert vpc_config["vpcId"] == vpc_id and vpc_config["publicAccessCidrs"] == []
    sg = aws.client("ec2").describe_security_groups(GroupIds=[vpc_config["clusterSecurityGroupId"]])
    assert sg["SecurityGroups"][0]["GroupName"].startswith("eks-cluster-sg-c1-")
    assert cluster["identity"]["oidc"]["issuer"].startswith("https://oidc.eks.us-east-1.amazonaws.com/id/")
    enabled = [e for e in cluster["logging"]["clusterLogging"] if e["enabled"]]
    assert enabled == [{"types": ["api", "audit"], "enabled": True}]
    assert cluster["encryptionConfig"][0]["provider"]["keyArn"] == KEY


def test_subnets_in_one_zone_are_refused(aws, vpc):
    with pytest.raises(aws.client("eks").exceptions.InvalidParameterException, match="two different AZs"):
        create(aws, vpc[1][:1])


def test_the_version_goes_up_one_minor_at_a_time(aws, vpc):
    eks = aws.client("eks")
    create(aws, vpc[1], version="1.30")
    with pytest.raises(eks.exceptions.InvalidParameterException, match=r"from 1\.30 to 1\.32"):
        eks.update_cluster_version(name="c1", version="1.32")
    with pytest.raises(eks.exceptions.InvalidParameterException, match=r"from 1\.30 to 1\.29"):
        eks.update_cluster_version(name="c1", version="1.29")
    update = eks.update_cluster_version(name="c1", version="1.31")["update"]
    assert update["type"] == "VersionUpdate"
    assert eks.describe_update(name="c1", updateId=update["id"])["update"]["status"] == "Successful"
    assert eks.describe_cluster(name="c1")["cluster"]["version"] == "1.31"


def test_node_groups_hold_the_cluster_version_back_until_upgraded(aws, vpc):
    eks = aws.client("eks")
    create(aws, vpc[1], version="1.30")
    lt = template(aws)
    group = eks.create_nodegroup(
        clusterName="c1",
        nodegroupName="general",
        nodeRole=ROLE,
        subnets=vpc[1],
        scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
        launchTemplate={"id": lt["LaunchTemplateId"], "version": "1"},
    )["nodegroup"]
    assert group["version"] == "1.30" and group["launchTemplate"]["name"] == "ng"
    assert "diskSize" not in group
    eks.update_cluster_version(name="c1", version="1.31")
    with pytest.raises(eks.exceptions.InvalidParameterException, match="general must be updated"):
        eks.update_cluster_version(name="c1", version="1.32")
    eks.update_nodegroup_version(clusterName="c1", nodegroupName="general")
    assert eks.describe_nodegroup(clusterName="c1", nodegroupName="general")["nodegroup"]["version"] == "1.31"
    eks.update_cluster_version(name="c1", version="1.32")
    with pytest.raises(eks.exceptions.InvalidParameterException, match="Invalid scaling"):
        eks.update_nodegroup_config(clusterName="c1", nodegroupName="general", scalingConfig={"minSize": 4})
    # The node role gets its EC2_LINUX access entry, as EKS gives it.
    entry = eks.describe_access_entry(clusterName="c1", principalArn=ROLE)["accessEntry"]
    assert entry["type"] == "EC2_LINUX"


def test_a_cluster_with_node_groups_cannot_go_and_its_security_group_goes_with_it(aws, vpc):
    eks = aws.client("eks")
    cluster = create(aws, vpc[1])
    eks.create_nodegroup(clusterName="c1", nodegroupName="general", nodeRole=ROLE, subnets=vpc[1])
    with pytest.raises(eks.exceptions.ResourceInUseException, match="nodegroups attached"):
        eks.delete_cluster(name="c1")
    eks.delete_nodegroup(clusterName="c1", nodegroupName="general")
    eks.delete_cluster(name="c1")
    sg_id = cluster["resourcesVpcConfig"]["clusterSecurityGroupId"]
    assert eks.list_clusters()["clusters"] == []
    assert not aws.client("ec2").describe_security_groups(Filters=[{"Name": "group-id", "Values": [sg_id]}])[
        "SecurityGroups"
    ]


def test_only_one_kind_of_config_update_at_a_time(aws, vpc):
    eks = aws.client("eks")
    create(aws, vpc[1])
    with pytest.raises(eks.exceptions.InvalidParameterException, match="Only one type"):
        eks.update_cluster_config(
            name="c1",
            logging={"clusterLogging": [{"types": ["scheduler"], "enabled": True}]},
            resourcesVpcConfig={"endpointPublicAccess": True},
        )
    eks.update_cluster_config(name="c1", logging={"clusterLogging": [{"types": ["scheduler"], "enabled": True}]})
    eks.update_cluster_config(
        name="c1", resourcesVpcConfig={"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}
    )
    cluster = eks.describe_cluster(name="c1")["cluster"]
    assert [e["types"] for e in cluster["logging"]["clusterLogging"] if e["enabled"]] == [["api", "audit", "scheduler"]]
    assert cluster["resourcesVpcConfig"]["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_eks_resources_stay_transitional_under_the_latency_model(aws, vpc):
    eks = aws.client("eks")
    aws.set_latency(0.002)  # cluster 1.2 s, node group 0.5 s, add-on 0.1 s
    try:
        assert create(aws, vpc[1])["status"] == "CREATING"
        with pytest.raises(eks.exceptions.InvalidRequestException, match="not in ACTIVE status"):
            eks.create_nodegroup(clusterName="c1", nodegroupName="general", nodeRole=ROLE, subnets=vpc[1])
        assert wait_for(lambda: eks.describe_cluster(name="c1")["cluster"]["status"] == "ACTIVE")
        group = eks.create_nodegroup(clusterName="c1", nodegroupName="general", nodeRole=ROLE, subnets=vpc[1])
        assert group["nodegroup"]["status"] == "CREATING"
        assert wait_for(
            lambda: eks.describe_nodegroup(clusterName="c1", nodegroupName="general")["nodegroup"]["status"] == "ACTIVE"
        )
        eks.delete_nodegroup(clusterName="c1", nodegroupName="general")
        status = eks.describe_nodegroup(clusterName="c1", nodegroupName="general")["nodegroup"]["status"]
        assert status == "DELETING"
        assert wait_for(lambda: eks.list_nodegroups(clusterName="c1")["nodegroups"] == [])
        eks.delete_cluster(name="c1")
        assert eks.describe_cluster(name="c1")["cluster"]["status"] == "DELETING"
        assert wait_for(lambda: eks.list_clusters()["clusters"] == [])
    finally:
        aws.set_latency(0)


def test_tags_on_every_eks_resource(aws, vpc):
    eks = aws.client("eks")
    arn = create(aws, vpc[1], tags={"Environment": "test"})["arn"]
    eks.tag_resource(resourceArn=arn, tags={"Owner": "platform"})
    eks.untag_resource(resourceArn=arn, tagKeys=["Environment"])
    assert eks.list_tags_for_resource(resourceArn=arn)["tags"] == {"Owner": "platform"}
