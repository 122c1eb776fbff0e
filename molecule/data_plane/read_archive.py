"""Print, as JSON, the archive of the data plane named in argv as AWS holds it: the bucket's Object
Lock, versioning, lifecycle, encryption, public access block, policy and logging; each Firehose
delivery's source and prefix; the Glue database and crawler; the Athena workgroup's configuration.

boto3 takes the endpoint, region and credentials from the environment the verify play sets.
"""

import json
import sys

import boto3

NAME = sys.argv[1]
account = boto3.client("sts").get_caller_identity()["Account"]
bucket = f"{NAME}-archive-{account}"
s3 = boto3.client("s3")
firehose = boto3.client("firehose")
glue = boto3.client("glue")
deliveries = []
for name in firehose.list_delivery_streams()["DeliveryStreamNames"]:
    described = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    destination = described["Destinations"][0]["ExtendedS3DestinationDescription"]
    source = described["Source"]["KinesisStreamSourceDescription"]["KinesisStreamARN"]
    deliveries.append({"name": name, "prefix": destination["Prefix"], "source": source})
rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
database = f"{NAME.replace('-', '_')}_market_data"
crawler = glue.get_crawler(Name=f"{NAME}-market-data")["Crawler"]
workgroup = boto3.client("athena").get_work_group(WorkGroup=f"{NAME}-analytics")["WorkGroup"]["Configuration"]
print(
    json.dumps(
        {
            "bucket": bucket,
            "object_lock": s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"],
            "versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status"),
            "transitions": [t["StorageClass"] for r in rules for t in r.get("Transitions", [])],
            "encryption": s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0][
                "ApplyServerSideEncryptionByDefault"
            ],
            "public_access": s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
            "policy": s3.get_bucket_policy(Bucket=bucket)["Policy"],
            "logging": s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled", {}),
            "deliveries": deliveries,
            "database": glue.get_database(Name=database)["Database"]["Name"],
            "crawler_targets": [t["Path"] for t in crawler["Targets"]["S3Targets"]],
            "workgroup": workgroup,
        },
        default=str,
    )
)
