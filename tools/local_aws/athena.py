"""Athena workgroups as AWS keeps them, where moto 5.2 differs in ways the archive's queries depend on.

* GetWorkGroup and UpdateWorkGroup of a workgroup that does not exist answer InvalidRequestException
  "WorkGroup <name> is not found." (the operations' only client error in botocore's model; AWS's
  wording as quoted in floci-io/floci #1301 and ColeMurray/aws-athena-mcp #23). moto answers an empty
  WorkGroup.
* UpdateWorkGroup (moto lacks it: an internal error), shaped as botocore's model says: Description
  and State replace the workgroup's; ConfigurationUpdates sets each member it gives (EnforceWorkGroup-
  Configuration, PublishCloudWatchMetricsEnabled, BytesScannedCutoffPerQuery, RequesterPaysEnabled,
  EngineVersion, ...), a ``Remove<Member>`` true removes that member (RemoveBytesScannedCutoffPerQuery,
  ...), and ResultConfigurationUpdates does the same to the ResultConfiguration (OutputLocation and
  RemoveOutputLocation, EncryptionConfiguration and RemoveEncryptionConfiguration, ExpectedBucketOwner,
  AclConfiguration; API reference ResultConfigurationUpdates: "If set to true, indicates that the
  previously-specified ... should be ignored and set to null").
* DeleteWorkGroup refuses the primary workgroup (API reference DeleteWorkGroup: "The primary
  workgroup cannot be deleted"; wording ours) and, without RecursiveDeleteOption, a workgroup that
  holds named queries, query executions or prepared statements (RecursiveDeleteOption: "delete the
  workgroup and its contents even if the workgroup contains any named queries, query executions, or
  notebooks"): InvalidRequestException "WorkGroup <name> is not empty" (AWS's answer as quoted in
  aws-samples/coast-grafana-cost-intelligence-dashboards #9). With it, the contents go too. moto
  deletes any workgroup and keeps its contents.
* A workgroup's results go to S3: ResultConfiguration.OutputLocation on CreateWorkGroup and
  UpdateWorkGroup is an ``s3://bucket/...`` URI (model: "The location in Amazon S3 where your query
  and calculation results are stored, such as s3://path/to/query/bucket/"), else
  InvalidRequestException "outputLocation is not a valid S3 path." (AWS's answer to StartQueryExecution
  as quoted in boto/boto3 #1194). moto takes any string.
* Tags: ListTagsForResource of a workgroup without tags answers an empty list (moto: "Does Not
  Exist"), and DeleteWorkGroup takes the workgroup's tags with it (moto kept them: a workgroup made
  again under the name came back tagged).
* CreationTime is when the workgroup was made (model: "The date and time the workgroup was
  created"); moto answers the time of each request.

What moto already gets right: a second workgroup of a name (InvalidRequestException), tags on
CreateWorkGroup, TagResource and ListTagsForResource by ``arn:aws:athena:<region>:<account>:
workgroup/<name>``, the stored ResultConfiguration (OutputLocation, EncryptionConfiguration SSE_KMS
with KmsKey), EnforceWorkGroupConfiguration, BytesScannedCutoffPerQuery and
PublishCloudWatchMetricsEnabled. The name pattern ``[a-zA-Z0-9._-]{1,128}`` and the 10,000,000-byte
minimum of BytesScannedCutoffPerQuery are the model's (validation.py). Not checked: a KmsKey for
SSE_KMS and CSE_KMS (the console asks for one; what the API answers without one is not confirmed).
Not emulated: running queries (their results, bytes scanned against the cutoff, CloudWatch metrics).
"""

from __future__ import annotations

import re
import time

PRIMARY = "primary"
S3_LOCATION = re.compile(r"s3://[^/\s]+(/.*)?")
REMOVE = "Remove"
UPDATES = "Updates"


def _request(message: str):
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("InvalidRequestException", message)


def _work_group(backend, name: str):
    work_group = backend.work_groups.get(name)
    if work_group is None:
        raise _request(f"WorkGroup {name} is not found.")
    return work_group


def check_output_location(result_configuration: dict | None) -> None:
    location = (result_configuration or {}).get("OutputLocation")
    if location is not None and not S3_LOCATION.fullmatch(location):
        raise _request(f"outputLocation is not a valid S3 path. Provided {location}")


def merge_updates(target: dict, updates: dict) -> None:
    """Apply an UpdateWorkGroup ``...Updates`` structure to the configuration it updates."""
    for key, value in updates.items():
        if key.endswith(UPDATES) and isinstance(value, dict):
            merge_updates(target.setdefault(key.removesuffix(UPDATES), {}), value)
        elif key == "EngineVersion":
            selected = value.get("SelectedEngineVersion") or "AUTO"
            effective = "Athena engine version 3" if selected == "AUTO" else selected
            target[key] = {"SelectedEngineVersion": selected, "EffectiveEngineVersion": effective}
        elif not key.startswith(REMOVE):
            target[key] = value
    for key, value in updates.items():
        if key.startswith(REMOVE) and value is True:
            target.pop(key.removeprefix(REMOVE), None)


def _contents(backend, name: str) -> list:
    """The named queries, query executions and prepared statements of a workgroup: (store, key) pairs."""

    def of_group(item) -> bool:
        group = getattr(item, "workgroup", None)
        return getattr(group, "name", group) == name

    return [
        (store, key)
        for store in (backend.named_queries, backend.executions, backend.prepared_statements)
        for key, item in store.items()
        if of_group(item)
    ]


def apply() -> None:
    from moto.athena.models import AthenaBackend, WorkGroup
    from moto.athena.responses import AthenaResponse

    init = WorkGroup.__init__

    def init_with_creation_time(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.creation_time = time.time()

    WorkGroup.__init__ = init_with_creation_time

    for operation in ("get_work_group", "list_work_groups"):
        original = getattr(AthenaBackend, operation)

        def with_creation_time(self, *args, _original=original):
            answer = _original(self, *args)
            for summary in answer if isinstance(answer, list) else [answer]:
                if summary is not None:
                    summary["CreationTime"] = self.work_groups[summary["Name"]].creation_time
            return answer

        setattr(AthenaBackend, operation, with_creation_time)

    prechecks = {
        "create_work_group": lambda h: check_output_location(
            (h._get_param("Configuration") or {}).get("ResultConfiguration")
        ),
        "get_work_group": lambda h: _work_group(h.athena_backend, h._get_param("WorkGroup")),
    }
    for operation, precheck in prechecks.items():
        answer = getattr(AthenaResponse, operation)

        def checked(self, _answer=answer, _precheck=precheck):
            _precheck(self)
            return _answer(self)

        setattr(AthenaResponse, operation, checked)

    def update_work_group(self):
        work_group = _work_group(self.athena_backend, self._get_param("WorkGroup"))
        updates = self._get_param("ConfigurationUpdates") or {}
        check_output_location(updates.get("ResultConfigurationUpdates"))
        if self._get_param("Description") is not None:
            work_group.description = self._get_param("Description")
        if self._get_param("State"):
            work_group.state = self._get_param("State")
        merge_updates(work_group.configuration, updates)
        return "{}"

    AthenaResponse.update_work_group = update_work_group

    delete = AthenaResponse.delete_work_group

    def checked_delete(self):
        backend, name = self.athena_backend, self._get_param("WorkGroup")
        if name == PRIMARY:
            raise _request("The primary workgroup cannot be deleted")
        work_group = backend.work_groups.get(name)
        if work_group is not None:
            contents = _contents(backend, name)
            if contents and self._get_param("RecursiveDeleteOption") is not True:
                raise _request(f"WorkGroup {name} is not empty")
            for store, key in contents:
                del store[key]
            backend.tagger.delete_all_tags_for_resource(work_group.arn)
        return delete(self)

    AthenaResponse.delete_work_group = checked_delete

    list_tags = AthenaResponse.list_tags_for_resource

    def list_tags_of_existing(self):
        arn = self._get_param("ResourceARN") or ""
        work_group = self.athena_backend.work_groups.get(arn.partition(":workgroup/")[2])
        if work_group is not None and work_group.arn == arn and not self.athena_backend.tagger.has_tags(arn):
            return '{"Tags": []}'
        return list_tags(self)

    AthenaResponse.list_tags_for_resource = list_tags_of_existing
