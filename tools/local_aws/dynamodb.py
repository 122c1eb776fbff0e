"""DynamoDB tables as AWS keeps them, where moto 5.2 differs in ways the trade ledger depends on.

* Deletion protection: DeleteTable of a table with DeletionProtectionEnabled is refused with
  ValidationException "Resource cannot be deleted as it is currently protected against deletion.
  Disable deletion protection first." (Developer Guide, "Using deletion protection to protect your
  table"; AWS's answer as quoted in aws-bench/aws-bench #41 and nubo-db/dynoxide #46). moto refuses
  with a message of its own ("... can't be deleted while DeletionProtectionEnabled is set to True").
* Streams: UpdateTable that enables a stream on a table whose stream is enabled, to change its
  StreamViewType or not, is refused with ValidationException "Table already has an enabled stream:
  TableName: <name>" (API reference UpdateTable, StreamSpecification: a stream's view type cannot be
  changed once enabled; AWS's answer as quoted in hashicorp/terraform-provider-aws #18402 and
  scylladb/scylladb #6939); a stream disabled first can then be enabled with another view type.
  moto answers ResourceInUseException "Cannot enable stream", and also refuses to enable a stream
  again once one was disabled (it keeps the old stream's label and takes it for an enabled stream).
* Server-side encryption: the KMSMasterKeyId of CreateTable's or UpdateTable's SSESpecification
  (a key id, key ARN, alias name or alias ARN, API reference SSESpecification) must name a symmetric
  encryption key that exists and is enabled ("Encryption at rest: how it works" in the Developer
  Guide: DynamoDB supports only symmetric encryption KMS keys; a disabled key makes the table
  inaccessible), else ValidationException. DescribeTable's SSEDescription.KMSMasterKeyArn is the
  key's ARN, whatever form the request named it by (moto echoes the alias). UpdateTable's
  SSESpecification switches the key, or back to the AWS owned key with Enabled false (API reference
  UpdateTable, SSESpecification: "The new server-side encryption settings for the specified table");
  moto ignores it.
* Global secondary indexes: one UpdateTable creates or deletes at most one index (API reference
  UpdateTable: "You can create or delete only one global secondary index per UpdateTable
  operation"), else LimitExceededException "Subscriber limit exceeded: Only 1 online index can be
  created or deleted simultaneously per table" (AWS's answer as quoted in architect/architect #268
  and #334); and a new index's key attributes must be in the AttributeDefinitions (API reference
  UpdateTable, AttributeDefinitions: "If you are adding a new global secondary index to the table,
  AttributeDefinitions must include the key element(s) of the new index"), else ValidationException.
  moto accepts both.
* Table class: CreateTable and UpdateTable take TableClass and DescribeTable answers it in
  TableClassSummary (API reference CreateTable TableClass, TableDescription TableClassSummary);
  moto ignores it.
* Contributor Insights: DescribeContributorInsights and UpdateContributorInsights (moto lacks both),
  shaped as botocore's model says (DescribeContributorInsightsOutput, UpdateContributorInsightsOutput:
  the update answers ENABLING or DISABLING; here the change is then at once ENABLED or DISABLED).

Generic model checks (name patterns, lengths, enums) are tools/local_aws/validation.py's.
"""

from __future__ import annotations

import time

DELETION_PROTECTED = (
    "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."
)
ONE_INDEX = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"


def _validation(message: str):
    from moto.dynamodb.exceptions import MockValidationException

    return MockValidationException(message)


def _limit(message: str):
    from moto.core.exceptions import JsonRESTError
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX

    return JsonRESTError(ERROR_TYPE_PREFIX + "LimitExceededException", message)


def key_arn(account_id: str, region: str, key_id: str) -> str:
    """The ARN of the KMS key ``key_id`` names (id, ARN, alias or alias ARN); refuses a key DynamoDB cannot use."""
    from moto.kms.models import kms_backends

    kms = kms_backends[account_id][region]
    try:
        key = kms.keys.get(kms.any_id_to_key_id(key_id))
    except Exception:  # an alias that names no key
        key = None
    if key is None or key.key_state == "PendingDeletion":
        raise _validation(f"Invalid KMSMasterKeyId: the KMS key {key_id} does not exist")
    if not key.enabled:
        raise _validation(f"Invalid KMSMasterKeyId: the KMS key {key_id} is disabled")
    if (key.key_spec or "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT" or (
        key.key_usage or "ENCRYPT_DECRYPT"
    ) != "ENCRYPT_DECRYPT":
        raise _validation(f"Invalid KMSMasterKeyId: the KMS key {key_id} is not a symmetric encryption key")
    return key.arn


def _resolved_sse(handler, spec):
    """The SSESpecification with its key named by ARN (checked), or None for the AWS owned key."""
    if not spec or not spec.get("Enabled"):
        return None
    spec = dict(spec)
    if spec.get("KMSMasterKeyId"):
        spec["KMSMasterKeyId"] = key_arn(handler.current_account, handler.region, spec["KMSMasterKeyId"])
    return spec


def _stream_enabled(table) -> bool:
    return bool(table.stream_specification and table.stream_specification.get("StreamEnabled"))


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.dynamodb.exceptions import ResourceNotFoundException
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    delete_table = DynamoDBBackend.delete_table

    def protected_delete_table(self, name):
        table = self.get_table(name)
        if getattr(table, "deletion_protection_enabled", False):
            raise _validation(DELETION_PROTECTED)
        return delete_table(self, name)

    DynamoDBBackend.delete_table = protected_delete_table

    describe = Table.describe

    def describe_as_aws(self, base_key="TableDescription"):
        answer = describe(self, base_key)
        if getattr(self, "table_class", None):
            answer[base_key]["TableClassSummary"] = {"TableClass": self.table_class}
        return answer

    Table.describe = describe_as_aws

    create_table = DynamoHandler.create_table

    def checked_create_table(self):
        if self.body.get("SSESpecification"):
            resolved = _resolved_sse(self, self.body["SSESpecification"])
            if resolved is None:
                self.body.pop("SSESpecification")
            else:
                self.body["SSESpecification"] = resolved
        create_table(self)
        table = self.dynamodb_backend.get_table(self.body["TableName"])
        table.table_class = self.body.get("TableClass") or "STANDARD"
        table.contributor_insights = {}
        return DynamoResult(table.describe())

    DynamoHandler.create_table = checked_create_table
    update_table = DynamoHandler.update_table

    def checked_update_table(self):
        name = self.body["TableName"]
        table = self.dynamodb_backend.get_table(name)
        updates = self.body.get("GlobalSecondaryIndexUpdates") or []
        online = [u for u in updates if u.get("Create") or u.get("Delete")]
        if len(online) > 1:
            raise _limit(ONE_INDEX)
        defined = {a["AttributeName"] for a in (self.body.get("AttributeDefinitions") or table.attr)}
        for update in updates:
            if update.get("Create"):
                keys = [k["AttributeName"] for k in update["Create"].get("KeySchema", [])]
                missing = [k for k in keys if k not in defined]
                if missing:
                    raise _validation(
                        "One or more parameter values were invalid: Some index key attributes are not defined in "
                        f"AttributeDefinitions. Keys: [{', '.join(keys)}], AttributeDefinitions: "
                        f"[{', '.join(sorted(defined))}]"
                    )
        stream = self.body.get("StreamSpecification")
        if stream and stream.get("StreamEnabled"):
            if _stream_enabled(table):
                raise _validation(f"Table already has an enabled stream: TableName: {name}")
            table.latest_stream_label = None  # the old, disabled stream: a new one gets a new label
        sse = self.body.get("SSESpecification")
        resolved = _resolved_sse(self, sse) if sse else None
        update_table(self)
        if sse:
            if resolved is not None and not resolved.get("KMSMasterKeyId"):
                resolved["KMSMasterKeyId"] = table._get_default_encryption_key(self.current_account, self.region)
            table.sse_specification = resolved
        if self.body.get("TableClass"):
            table.table_class = self.body["TableClass"]
        return DynamoResult(table.describe())

    DynamoHandler.update_table = checked_update_table

    def insights_of(handler):
        name = handler.body["TableName"]
        table = handler.dynamodb_backend.tables.get(name)
        if table is None:
            raise ResourceNotFoundException(table_name=name)
        if not hasattr(table, "contributor_insights"):
            table.contributor_insights = {}
        return name, table

    def describe_contributor_insights(self):
        name, table = insights_of(self)
        index = self.body.get("IndexName")
        status, updated = table.contributor_insights.get(index, ("DISABLED", None))
        answer = {"TableName": name, "ContributorInsightsStatus": status}
        if index:
            answer["IndexName"] = index
        if status == "ENABLED":
            scope = f"{name}-{index}" if index else name
            answer["ContributorInsightsRuleList"] = [
                f"DynamoDBContributorInsights-PKC-{scope}",
                f"DynamoDBContributorInsights-PKT-{scope}",
            ]
        if updated:
            answer["LastUpdateDateTime"] = updated
        return ActionResult(answer)

    def update_contributor_insights(self):
        name, table = insights_of(self)
        index = self.body.get("IndexName")
        enable = self.body.get("ContributorInsightsAction") == "ENABLE"
        table.contributor_insights[index] = ("ENABLED" if enable else "DISABLED", time.time())
        answer = {"TableName": name, "ContributorInsightsStatus": "ENABLING" if enable else "DISABLING"}
        if index:
            answer["IndexName"] = index
        return ActionResult(answer)

    DynamoHandler.describe_contributor_insights = describe_contributor_insights
    DynamoHandler.update_contributor_insights = update_contributor_insights
