"""No secret reaches the output of a verbose run: the Redis AUTH token and the Aurora master
password are read back from Secrets Manager and searched for in everything the run printed and in
every file it left in the repository."""

import json
import subprocess

import pytest

from tests.helpers import REPO, run_playbook


def untracked_files():
    listing = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True
    )
    return {line for line in listing.stdout.splitlines() if line}


@pytest.mark.playbook
def test_a_verbose_run_prints_no_secret(aws):
    before = untracked_files()
    result = run_playbook(aws.port, "site.yml", "local", "--tags", "network,data_tier", "-vvv")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]

    sm = aws.client("secretsmanager")
    token = sm.get_secret_value(SecretId="trading-local/redis-auth-token")["SecretString"]
    cluster = aws.client("rds").describe_db_clusters(DBClusterIdentifier="trading-local-aurora")["DBClusters"][0]
    master = json.loads(sm.get_secret_value(SecretId=cluster["MasterUserSecret"]["SecretArn"])["SecretString"])
    secrets = {"Redis AUTH token": token, "Aurora master password": master["password"]}
    assert all(len(value) >= 16 for value in secrets.values())
    # The run did use them: the token's secret and the master secret's ARN are in the output.
    assert "trading-local/redis-auth-token" in out and cluster["MasterUserSecret"]["SecretArn"] in out

    for what, value in secrets.items():
        assert value not in out, f"the {what} was printed"
    for path in untracked_files() - before:
        file = REPO / path
        if file.is_file():
            text = file.read_text(errors="ignore")
            for what, value in secrets.items():
                assert value not in text, f"the {what} is in {path}"
