"""elasticache_replication_group against the local AWS (its ElastiCache is tools/local_aws/elasticache.py)."""

import json
import secrets

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import elasticache_replication_group

from tests.helpers import run_module

TOKEN = secrets.token_urlsafe(24)


@pytest.fixture
def run(aws, capsys):
    subnets = [s["SubnetId"] for s in aws.client("ec2").describe_subnets()["Subnets"][:2]]
    client = aws.client("elasticache")
    if not client.describe_cache_subnet_groups()["CacheSubnetGroups"]:
        client.create_cache_subnet_group(
            CacheSubnetGroupName="trading-test", CacheSubnetGroupDescription="test", SubnetIds=subnets
        )
    aws.clear_calls()

    def _run(check_mode=False, **args):
        base = {
            "replication_group_id": "trading-test",
            "description": "trading test cache",
            "engine_version": "7.1",
            "node_type": "cache.t4g.small",
            "replicas_per_node_group": 1,
            "subnet_group": "trading-test",
            "security_group_ids": ["sg-0123"],
            "auth_token": TOKEN,
            "snapshot_retention_limit": 3,
            "tags": {"Environment": "test"},
        }
        base.update(args)
        base = {k: v for k, v in base.items() if v is not None}  # None: the option is not given
        result = run_module(elasticache_replication_group, base, check_mode=check_mode, capsys=capsys)
        assert TOKEN not in json.dumps(result)  # the token is never returned
        return result

    return _run


def group(aws, rg_id="trading-test"):
    return aws.client("elasticache").describe_replication_groups(ReplicationGroupId=rg_id)["ReplicationGroups"][0]


def test_creates_the_group_then_changes_nothing(aws, run):
    result = run()
    assert result["changed"] is True
    assert result["actions"] == ["create replication group trading-test (1 shard, 1 replicas each)"]
    rg = result["replication_group"]
    assert rg["status"] == "available" and rg["primary_endpoint"].startswith("master.trading-test.")
    assert rg["reader_endpoint"].startswith("replica.") and rg["member_clusters"] == [
        "trading-test-001",
        "trading-test-002",
    ]
    found = group(aws)
    assert found["AuthTokenEnabled"] and found["TransitEncryptionEnabled"] and found["AtRestEncryptionEnabled"]
    assert found["AutomaticFailover"] == "enabled" and found["MultiAZ"] == "enabled"
    assert result["resources"] == [
        {"kind": "replication group", "name": "trading-test", "action": "create", "changes": result["actions"]}
    ]
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and aws.writes() == [], again["actions"]
    assert again["resources"] == []


def test_check_mode_creates_nothing(aws, run):
    result = run(check_mode=True)
    assert result["changed"] is True and result["replication_group"]["arn"] is None
    assert aws.writes() == []
    assert aws.client("elasticache").describe_replication_groups()["ReplicationGroups"] == []
    assert result["resources"] == run()["resources"]
    assert [(r["kind"], r["action"]) for r in result["resources"]] == [("replication group", "create")]


def test_replicas_are_added_before_and_removed_after_failover_changes(aws, run):
    run()
    more = run(replicas_per_node_group=3)
    assert more["actions"] == ["add replicas of trading-test: 1 -> 3 per shard"]
    assert len(group(aws)["MemberClusters"]) == 4
    fewer = run(replicas_per_node_group=0, automatic_failover=False, multi_az=False)
    assert fewer["actions"] == [
        "modify replication group trading-test: automatic_failover, multi_az",
        "remove replicas of trading-test: 3 -> 0 per shard",
    ]
    # The replicas are the group's: one resource changed.
    assert fewer["resources"] == [
        {"kind": "replication group", "name": "trading-test", "action": "change", "changes": fewer["actions"]}
    ]
    assert group(aws)["MemberClusters"] == ["trading-test-001"] and group(aws)["AutomaticFailover"] == "disabled"


def test_node_type_waits_for_the_window_and_is_not_asked_twice(aws, run):
    run()
    scheduled = run(node_type="cache.r7g.large")
    assert scheduled["changed"] is True and scheduled["replication_group"]["pending"] == {
        "CacheNodeType": "cache.r7g.large"
    }
    assert "in the maintenance window" in scheduled["actions"][0]
    aws.clear_calls()
    assert run(node_type="cache.r7g.large")["changed"] is False and aws.writes() == []
    now = run(node_type="cache.r7g.large", apply_immediately=True)
    # Pending already: asking again with apply_immediately is not a new change on AWS's side.
    assert now["changed"] is False
    assert run(node_type="cache.r7g.xlarge", apply_immediately=True)["changed"] is True
    assert group(aws)["CacheNodeType"] == "cache.r7g.xlarge"


def test_in_place_settings_follow_the_inventory(aws, run):
    run()
    logs = [{"log_type": "slow-log", "log_group": "/trading/test/redis/slow-log"}]
    result = run(
        snapshot_retention_limit=7,
        security_group_ids=["sg-0123", "sg-0456"],
        maintenance_window="sun:05:00-sun:06:00",
        log_delivery=logs,
        tags={"Environment": "test", "Owner": "platform"},
    )
    assert result["changed"] is True
    found = group(aws)
    assert found["SnapshotRetentionLimit"] == 7
    assert found["LogDeliveryConfigurations"][0]["LogType"] == "slow-log"
    member = aws.client("elasticache").describe_cache_clusters(CacheClusterId="trading-test-001")["CacheClusters"][0]
    assert [g["SecurityGroupId"] for g in member["SecurityGroups"]] == ["sg-0123", "sg-0456"]
    assert (
        run(
            snapshot_retention_limit=7,
            security_group_ids=["sg-0456", "sg-0123"],
            maintenance_window="SUN:05:00-SUN:06:00",
            log_delivery=logs,
            tags={"Environment": "test", "Owner": "platform"},
        )["changed"]
        is False
    )
    off = run(snapshot_retention_limit=7, security_group_ids=["sg-0123", "sg-0456"], log_delivery=[])
    assert any("log_delivery" in a for a in off["actions"]) and group(aws)["LogDeliveryConfigurations"] == []


def test_what_aws_cannot_change_in_place_is_refused_unless_replacement_is_allowed(aws, run):
    run()
    aws.clear_calls()
    refused = run(port=6380, at_rest_encryption=True, kms_key_id="arn:aws:kms:us-east-1:123456789012:key/abc")
    assert refused.failed and "port 6379 -> 6380" in refused["msg"] and "kms_key_id" in refused["msg"]
    assert "allow_replacement" in refused["msg"] and aws.writes() == []
    replaced = run(port=6380, allow_replacement=True)
    assert replaced["actions"][0] == "delete replication group trading-test" and replaced["actions"][1].startswith(
        "create"
    )
    # Replaced, the group is there before and after: one change of it.
    assert replaced["resources"] == [
        {"kind": "replication group", "name": "trading-test", "action": "change", "changes": replaced["actions"]}
    ]
    assert replaced["replication_group"]["port"] == 6380


def test_auth_token_is_rotated_only_on_request(aws, run):
    run()
    new_token = secrets.token_urlsafe(24)
    assert run(auth_token=new_token)["changed"] is False  # AWS cannot tell us the token: no guess
    rotated = run(auth_token=new_token, rotate_auth_token=True)
    assert rotated["actions"] == ["modify replication group trading-test: auth token rotated"]


def test_cluster_mode_shards(aws, run):
    created = run(replication_group_id="trading-me", cluster_mode=True, num_node_groups=3, replicas_per_node_group=1)
    assert created["replication_group"]["configuration_endpoint"].startswith("clustercfg.trading-me.")
    assert len(created["replication_group"]["member_clusters"]) == 6
    smaller = run(replication_group_id="trading-me", cluster_mode=True, num_node_groups=2, replicas_per_node_group=1)
    assert smaller["actions"] == ["reshard trading-me: 3 -> 2 shards"]
    assert len(group(aws, "trading-me")["NodeGroups"]) == 2


@pytest.mark.parametrize(
    "args, message",
    [
        ({"transit_encryption": False}, "auth_token needs transit_encryption"),
        ({"automatic_failover": False}, "multi_az needs automatic_failover"),
        ({"replicas_per_node_group": 0, "multi_az": False}, "automatic_failover needs replicas_per_node_group"),
        ({"replication_group_id": "Trading_Test"}, "must be 1-40 lower-case letters"),
        ({"auth_token": "short"}, "auth_token must be 16-128"),
        ({"num_node_groups": 2}, "more than one shard needs cluster_mode"),
        ({"rotate_auth_token": True, "auth_token": None}, "rotate_auth_token needs the new auth_token"),
    ],
)
def test_bad_input_is_refused_before_any_call(aws, run, args, message):
    aws.clear_calls()
    result = run(**args)
    assert result.failed and message in result["msg"]
    assert aws.calls()["total"] == 0


def test_absent_deletes_with_a_final_snapshot(aws, run):
    run()
    checked = run(state="absent", final_snapshot_identifier="trading-test-final", check_mode=True)
    gone = run(state="absent", final_snapshot_identifier="trading-test-final")
    assert gone["changed"] is True and gone["replication_group"] is None
    assert aws.client("elasticache").describe_replication_groups()["ReplicationGroups"] == []
    assert (
        gone["resources"]
        == checked["resources"]
        == [
            {
                "kind": "replication group",
                "name": "trading-test",
                "action": "delete",
                "changes": ["delete replication group trading-test"],
            }
        ]
    )
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=4, services=["elasticache"])
    result = run()
    assert not result.failed, result
    assert aws.faults()["injected"] > 0


def test_starts_a_slow_creation_without_waiting_then_waits_for_it(aws, run, tmp_path, monkeypatch):
    monkeypatch.setenv("TRADING_PROGRESS", str(tmp_path / "progress.jsonl"))  # as the progress callback does
    aws.set_latency(0.005)  # an eight-minute creation takes 2.4 s
    started = run(wait=False)
    assert started["changed"] is True and started["replication_group"]["status"] == "creating"
    assert run(wait=False)["changed"] is False  # still creating: nothing to do yet, nothing waited for
    done = run()
    assert done["changed"] is False and done["replication_group"]["status"] == "available"
    # The wait reported the group at every poll, timed from its creation by the first call.
    polls = [json.loads(line) for line in (tmp_path / "progress.jsonl").read_text().splitlines()]
    assert {p["label"] for p in polls} == {f"redis {started['replication_group']['id']}"}
    assert polls[0]["state"] == "CREATING" and polls[0]["usual"] == 480 and not polls[0]["done"]
    assert polls[-1]["state"] == "AVAILABLE" and polls[-1]["done"] and polls[-1]["usual"] == 480
    assert polls[-1]["time"] - polls[-1]["started"] >= 1.0  # since the creation, before this call began


def test_gives_up_after_wait_timeout(aws, run):
    aws.set_latency(0.05)  # 24 s
    result = run(wait_timeout=1)
    assert result.failed and "still creating after 1s" in result["msg"]
    assert [(r["name"], r["action"]) for r in result["resources"]] == [("trading-test", "create")]


def test_auth_token_generated_in_secrets_manager_never_passes_through_ansible(aws, run):
    secret = {"name": "trading-test/redis-auth-token"}
    created = run(auth_token=None, auth_token_secret=secret)
    assert created["actions"] == [
        "store a generated AUTH token in secret trading-test/redis-auth-token",
        "create replication group trading-test (1 shard, 1 replicas each)",
    ]
    sm = aws.client("secretsmanager")
    token = sm.get_secret_value(SecretId=secret["name"])["SecretString"]
    assert len(token) == 64 and token not in json.dumps(created)
    # The secret is a resource of its own, created before the group that uses its token.
    assert created["resources"] == [
        {"kind": "secret", "name": secret["name"], "action": "create", "changes": created["actions"][:1]},
        {"kind": "replication group", "name": "trading-test", "action": "create", "changes": created["actions"][1:]},
    ]
    assert created["auth_token_secret_arn"] == sm.describe_secret(SecretId=secret["name"])["ARN"]
    assert group(aws)["AuthTokenEnabled"]
    aws.clear_calls()
    again = run(auth_token=None, auth_token_secret=secret)
    assert again["changed"] is False and aws.writes() == []
    read = {c["operation"] for c in aws.calls()["calls"] if c["service"] == "secretsmanager"}
    assert read == {"DescribeSecret"}  # the token itself is not read when it is not needed

    rotated = run(auth_token=None, auth_token_secret=secret, rotate_auth_token=True)
    assert rotated["actions"] == [
        "store a new generated AUTH token in secret trading-test/redis-auth-token (the old one becomes AWSPREVIOUS)",
        "modify replication group trading-test: auth token rotated",
    ]
    new_token = sm.get_secret_value(SecretId=secret["name"])["SecretString"]
    assert new_token != token and new_token not in json.dumps(rotated)
    assert [(r["kind"], r["action"], r["changes"]) for r in rotated["resources"]] == [
        ("secret", "change", rotated["actions"][:1]),
        ("replication group", "change", rotated["actions"][1:]),
    ]
    assert sm.get_secret_value(SecretId=secret["name"], VersionStage="AWSPREVIOUS")["SecretString"] == token

    # The secret deleted: nobody holds the token any more, so a new one is made and rotated in.
    sm.delete_secret(SecretId=secret["name"], ForceDeleteWithoutRecovery=True)
    recovered = run(auth_token=None, auth_token_secret=secret)
    assert recovered["actions"][0] == "store a generated AUTH token in secret trading-test/redis-auth-token"
    assert recovered["actions"][1] == "modify replication group trading-test: auth token rotated"
    assert [(r["kind"], r["action"]) for r in recovered["resources"]] == [
        ("secret", "create"),
        ("replication group", "change"),
    ]


def test_a_group_rebuilt_after_teardown_restores_its_secret_with_a_new_token(aws, run):
    """Teardown schedules the secret's deletion (recoverable for days): a secret of that name cannot
    be created again meanwhile, so the next converge restores it and stores a new token."""
    secret = {"name": "trading-test/redis-auth-token"}
    sm = aws.client("secretsmanager")
    run(auth_token=None, auth_token_secret=secret)
    old = sm.get_secret_value(SecretId=secret["name"])["SecretString"]
    assert run(auth_token=None, state="absent", wait=True)["changed"]
    sm.delete_secret(SecretId=secret["name"], RecoveryWindowInDays=7)

    planned = run(check_mode=True, auth_token=None, auth_token_secret=secret)
    assert planned["actions"][0].startswith("restore secret trading-test/redis-auth-token, scheduled for deletion")
    assert "DeletedDate" in sm.describe_secret(SecretId=secret["name"])

    rebuilt = run(auth_token=None, auth_token_secret=secret)
    assert rebuilt["actions"][:2] == [
        "restore secret trading-test/redis-auth-token, scheduled for deletion, with a new token",
        "store a new generated AUTH token in secret trading-test/redis-auth-token (the old one becomes AWSPREVIOUS)",
    ]
    # Scheduled for deletion, the secret still exists: restored, it is changed, not created.
    assert [(r["kind"], r["action"], len(r["changes"])) for r in rebuilt["resources"]] == [
        ("secret", "change", 2),
        ("replication group", "create", 1),
    ]
    assert [(r["kind"], r["action"]) for r in planned["resources"]] == [
        ("secret", "change"),
        ("replication group", "create"),
    ]
    assert "DeletedDate" not in sm.describe_secret(SecretId=secret["name"])
    new = sm.get_secret_value(SecretId=secret["name"])["SecretString"]
    assert new != old and new not in json.dumps(rebuilt)
    assert group(aws)["AuthTokenEnabled"]
    assert not run(auth_token=None, auth_token_secret=secret)["changed"]


def test_check_mode_with_a_secret_writes_nothing(aws, run):
    result = run(check_mode=True, auth_token=None, auth_token_secret={"name": "trading-test/redis-auth-token"})
    assert result["actions"][0].startswith("store a generated AUTH token") and aws.writes() == []
    assert aws.client("secretsmanager").list_secrets()["SecretList"] == []
    applied = run(auth_token=None, auth_token_secret={"name": "trading-test/redis-auth-token"})
    assert applied["resources"] == result["resources"]
    assert [(r["kind"], r["action"]) for r in result["resources"]] == [
        ("secret", "create"),
        ("replication group", "create"),
    ]


def age_current_token(name: str, days: int) -> None:
    """Move the secret's AWSCURRENT value `days` into the past, in the local AWS's memory (the test
    server runs in this process): time travel, which no AWS API offers."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.secretsmanager.models import secretsmanager_backends

    secret = secretsmanager_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].secrets[name]
    for version in secret.versions.values():
        if "AWSCURRENT" in version["version_stages"]:
            version["createdate"] -= days * 86400


def test_the_token_is_rotated_when_it_is_older_than_rotation_days(aws, run):
    secret = {"name": "trading-test/redis-auth-token", "rotation_days": 30}
    sm = aws.client("secretsmanager")
    run(auth_token=None, auth_token_secret=secret)
    token = sm.get_secret_value(SecretId=secret["name"])["SecretString"]
    age_current_token(secret["name"], 29)
    aws.clear_calls()
    assert run(auth_token=None, auth_token_secret=secret)["changed"] is False and aws.writes() == []

    age_current_token(secret["name"], 1)  # 30 days old: due
    planned = run(check_mode=True, auth_token=None, auth_token_secret=secret)
    assert planned["actions"][-1] == (
        "modify replication group trading-test: auth token rotated (30 days old, rotated every 30 days)"
    )
    assert aws.writes() == []
    rotated = run(auth_token=None, auth_token_secret=secret)
    assert rotated["actions"] == [
        "store a new generated AUTH token in secret trading-test/redis-auth-token (the old one becomes AWSPREVIOUS)",
        "modify replication group trading-test: auth token rotated (30 days old, rotated every 30 days)",
    ]
    assert sm.get_secret_value(SecretId=secret["name"], VersionStage="AWSPREVIOUS")["SecretString"] == token
    assert sm.get_secret_value(SecretId=secret["name"])["SecretString"] != token
    # The new value is a day old at most: nothing is due until 30 days later.
    assert run(auth_token=None, auth_token_secret=secret)["changed"] is False


def secret_policy(account: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyThisAccount",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalAccount": account}},
            },
            {
                "Sid": "OnlyNamedReaders",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": [f"arn:aws:iam::{account}:role/order-processing"]}},
            },
        ],
    }


def test_the_secret_gets_its_resource_policy_then_keeps_it(aws, run):
    account = aws.client("sts").get_caller_identity()["Account"]
    policy = secret_policy(account)
    secret = {"name": "trading-test/redis-auth-token", "policy": json.dumps(policy)}
    planned = run(check_mode=True, auth_token=None, auth_token_secret=secret)
    assert planned["actions"][-1] == "put the resource policy of secret trading-test/redis-auth-token"
    created = run(auth_token=None, auth_token_secret=secret)
    assert created["actions"][-1] == "put the resource policy of secret trading-test/redis-auth-token"
    # The policy is the secret's: put after the group is created, it is still part of the secret's creation.
    assert created["resources"] == planned["resources"]
    assert [(r["kind"], r["action"], r["changes"][-1]) for r in created["resources"]] == [
        ("secret", "create", "put the resource policy of secret trading-test/redis-auth-token"),
        ("replication group", "create", created["actions"][1]),
    ]
    sm = aws.client("secretsmanager")
    assert json.loads(sm.get_resource_policy(SecretId=secret["name"])["ResourcePolicy"]) == policy
    # Compared by meaning: the same statements in another order and spelling change nothing.
    reordered = dict(policy, Statement=list(reversed(policy["Statement"])))
    reordered["Statement"][0]["Action"] = ["secretsmanager:GetSecretValue"]
    aws.clear_calls()
    again = run(auth_token=None, auth_token_secret=dict(secret, policy=json.dumps(reordered)))
    assert again["changed"] is False and aws.writes() == []
    # Drift (the policy deleted by hand) is put back.
    sm.delete_resource_policy(SecretId=secret["name"])
    drifted = run(auth_token=None, auth_token_secret=secret)
    assert drifted["actions"] == ["put the resource policy of secret trading-test/redis-auth-token"]
    assert drifted["resources"] == [
        {"kind": "secret", "name": secret["name"], "action": "change", "changes": drifted["actions"]}
    ]


def test_a_public_secret_policy_is_refused_as_aws_refuses_it(aws, run):
    public = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
        ],
    }
    result = run(
        auth_token=None, auth_token_secret={"name": "trading-test/redis-auth-token", "policy": json.dumps(public)}
    )
    assert result.failed and "PublicPolicyException" in json.dumps(result)
