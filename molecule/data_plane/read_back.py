"""Print, as JSON, the data plane named in argv as AWS holds it: each stream (mode, shards, retention,
encryption, consumers, tags) and the ledger table (keys, indexes, encryption, point-in-time recovery,
deletion protection, change stream, contributor insights, tags).

boto3 takes the endpoint, region and credentials from the environment the verify play sets.
"""

import json
import sys

import boto3

NAME = sys.argv[1]
kinesis = boto3.client("kinesis")
dynamodb = boto3.client("dynamodb")
kms = boto3.client("kms")

streams = {}
for name in kinesis.list_streams()["StreamNames"]:
    if not name.startswith(f"{NAME}-"):
        continue
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    consumers = kinesis.list_stream_consumers(StreamARN=summary["StreamARN"])["Consumers"]
    tags = kinesis.list_tags_for_stream(StreamName=name)["Tags"]
    streams[name] = {
        "mode": summary["StreamModeDetails"]["StreamMode"],
        "shards": summary["OpenShardCount"],
        "retention_hours": summary["RetentionPeriodHours"],
        "encryption": summary.get("EncryptionType"),
        "key": summary.get("KeyId"),
        "consumers": sorted(c["ConsumerName"] for c in consumers),
        "tags": {t["Key"]: t["Value"] for t in tags},
    }
ledger = f"{NAME}-ledger"
table = dynamodb.describe_table(TableName=ledger)["Table"]
backups = dynamodb.describe_continuous_backups(TableName=ledger)["ContinuousBackupsDescription"]
insights = dynamodb.describe_contributor_insights(TableName=ledger)["ContributorInsightsStatus"]
tags = dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
print(
    json.dumps(
        {
            "streams": streams,
            "key_arn": kms.describe_key(KeyId=f"alias/{NAME}-data")["KeyMetadata"]["Arn"],
            "ledger": {
                "status": table["TableStatus"],
                "keys": {k["KeyType"]: k["AttributeName"] for k in table["KeySchema"]},
                "billing": table.get("BillingModeSummary", {}).get("BillingMode"),
                "indexes": sorted(i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])),
                "sse": table.get("SSEDescription", {}),
                "pitr": backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"],
                "deletion_protection": table.get("DeletionProtectionEnabled"),
                "stream": table.get("StreamSpecification", {}),
                "contributor_insights": insights,
                "tags": {t["Key"]: t["Value"] for t in tags},
            },
        },
        default=str,
    )
)
