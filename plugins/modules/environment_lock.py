#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: environment_lock
short_description: One run per environment at a time - a lock held as a DynamoDB item
version_added: 1.0.0
description:
  - Takes or releases the lock of an environment, an item of a DynamoDB table written with a
    conditional write, the way Terraform's S3 backend locks its state with DynamoDB. A second run
    of the same environment is refused with a message that names the holder, when it started and
    when the lock expires.
  - The lock records who holds it (O(holder)), the run that took it (O(run_id), generated when not
    given), what runs (O(operation)), when it started and when it expires (O(ttl) seconds later). An
    expired lock belongs to a run that died without releasing it, and the next run takes it over, with a
    warning. O(force=true) takes or clears a lock whoever holds it (C(-e force_unlock=true)).
  - Releasing only deletes the lock this run holds (same O(run_id)); a lock someone else took in
    the meantime is left alone, with a warning.
  - The table (key C(LockID), on-demand capacity, DynamoDB's time to live on C(ExpiresAt)) is
    created on first use and kept across environments, like a Terraform backend's lock table.
  - Taking and releasing the lock are not changes to the environment, so they report
    C(changed=false); creating the table does report a change. In check mode nothing is written;
    the module reads the lock and refuses when another run holds it, as C(terraform plan) does.
author:
  - 99Tech platform engineering (@99tech)
options:
  table:
    description: The DynamoDB table of the locks.
    type: str
    default: trading-infra-locks
  lock_id:
    description: What is locked, for example V(trading/prod).
    type: str
    required: true
  state:
    description: V(present) takes the lock, V(absent) releases it.
    type: str
    default: present
    choices: [present, absent]
  run_id:
    description:
      - The run that holds the lock. Generated when taking the lock without one; give the returned
        value back to release it.
    type: str
  holder:
    description: Who runs, for the message a refused run prints (user and host, AWX job).
    type: str
    default: ""
  operation:
    description: What the holder runs (a playbook name), for the same message.
    type: str
    default: ""
  ttl:
    description:
      - Seconds after which the lock is considered abandoned and may be taken over. Longer than the
        longest run.
    type: int
    default: 10800
  force:
    description: Take (or, with O(state=absent), delete) the lock whoever holds it.
    type: bool
    default: false
  create_table:
    description: Create the table when it does not exist.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for a new table to be active.
    type: int
    default: 300
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - O(tags) apply to the table when the module creates it.
"""

EXAMPLES = r"""
- name: Take the environment's lock
  ninetynine.trading_infra.environment_lock:
    lock_id: trading/prod
    holder: "{{ lookup('env', 'USER') }}@{{ lookup('pipe', 'hostname') }}"
    operation: site.yml
    force: "{{ force_unlock | default(false) | bool }}"
  register: lock

- name: Release it
  ninetynine.trading_infra.environment_lock:
    lock_id: trading/prod
    run_id: "{{ lock.lock.run_id }}"
    state: absent
"""

RETURN = r"""
lock:
  description: The lock as this run holds it (or would, in check mode); empty after a release.
  returned: always
  type: dict
  contains:
    lock_id:
      description: What is locked.
      type: str
    run_id:
      description: The run that holds it; give it back to release the lock.
      type: str
    holder:
      description: Who holds it.
      type: str
    operation:
      description: What the holder runs.
      type: str
    started_at:
      description: When the lock was taken (UTC, ISO 8601).
      type: str
    expires_at:
      description: When it may be taken over (UTC, ISO 8601).
      type: str
previous:
  description: The lock this call took over or cleared (an expired one, or with O(force)), if any.
  returned: always
  type: dict
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
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
      choices: [environment lock]
    name:
      description: The lock table (O(table)); taking and releasing a lock are not changes.
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
    - kind: environment lock
      name: trading-infra-locks
      action: create
      changes:
        - create lock table trading-infra-locks
"""

import time
import uuid

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import wait_for


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(epoch)))


def from_item(item):
    if not item:
        return {}
    return {
        "lock_id": item["LockID"]["S"],
        "run_id": item.get("RunId", {}).get("S", ""),
        "holder": item.get("Holder", {}).get("S", ""),
        "operation": item.get("Operation", {}).get("S", ""),
        "started_at": iso(item.get("StartedAt", {}).get("N", "0")),
        "expires_at": iso(item.get("ExpiresAt", {}).get("N", "0")),
        "expires_epoch": int(item.get("ExpiresAt", {}).get("N", "0")),
    }


def public(lock):
    return {k: v for k, v in lock.items() if k != "expires_epoch"}


def describe(text):
    who = text.get("holder") or "an unnamed holder"
    what = f" running {text['operation']}" if text.get("operation") else ""
    return f"{who}{what} (run {text.get('run_id')}, since {text.get('started_at')}, expires {text.get('expires_at')})"


class Lock:
    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.client = module.client("dynamodb", retry_decorator=retry_decorator())
        self.plan = Plan(module.check_mode)
        self.key = {"LockID": {"S": self.p["lock_id"]}}

    def table_exists(self):
        try:
            return self.client.describe_table(TableName=self.p["table"], aws_retry=True)["Table"]
        except self.client.exceptions.ResourceNotFoundException:
            return None

    def ensure_table(self):
        if self.table_exists() is not None:
            return True
        # The lock itself is not a change to the environment; its table, created once, is.
        self.plan.about("environment lock", self.p["table"], exists=False)
        if not self.p["create_table"]:
            self.module.fail_json(msg=f"lock table {self.p['table']} does not exist (create_table is false)")
        name = self.p["table"]
        request = dict(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",  # DynamoDB encrypts it at rest with its own key
        )
        if self.p["tags"]:
            request["Tags"] = tag_list(self.p["tags"])
        self.plan.do(f"create lock table {name}", self.client.create_table, aws_retry=True, **request)
        if self.module.check_mode:
            return False
        wait_for(
            self.module,
            self.table_exists,
            lambda t: t is not None and t["TableStatus"] == "ACTIVE",
            f"lock table {name}",
            self.p["wait_timeout"],
            plan=self.plan,
            delay=1,
        )
        self.client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "ExpiresAt"},
            aws_retry=True,
        )
        return True

    def current(self):
        found = self.client.get_item(TableName=self.p["table"], Key=self.key, ConsistentRead=True, aws_retry=True)
        return from_item(found.get("Item"))

    def refuse(self, held):
        self.module.fail_json(
            msg=f"{self.p['lock_id']} is locked by {describe(held)}. Another run of this environment is in "
            "progress: wait for it to end. If that run is dead (killed, lost its machine), run again with "
            "-e force_unlock=true to clear its lock.",
            lock=public(held),
            actions=self.plan.actions,
            resources=self.plan.resources,
        )

    def acquire(self):
        now = int(time.time())
        run_id = self.p["run_id"] or uuid.uuid4().hex
        wanted = {
            "lock_id": self.p["lock_id"],
            "run_id": run_id,
            "holder": self.p["holder"],
            "operation": self.p["operation"],
            "started_at": iso(now),
            "expires_at": iso(now + self.p["ttl"]),
        }
        if not self.ensure_table():
            return wanted, {}  # check mode, no table yet: nobody can hold the lock
        held = self.current()
        previous = {}
        if held and held["run_id"] != run_id:
            if held["expires_epoch"] > now and not self.p["force"]:
                self.refuse(held)
            previous = public(held)
            reason = "forced" if held["expires_epoch"] > now else "expired"
            self.module.warn(f"took over the {reason} lock of {describe(held)}")
        if self.module.check_mode:
            return wanted, previous
        item = dict(
            self.key,
            RunId={"S": run_id},
            Holder={"S": self.p["holder"]},
            Operation={"S": self.p["operation"]},
            StartedAt={"N": str(now)},
            ExpiresAt={"N": str(now + self.p["ttl"])},
        )
        condition = {}
        if not self.p["force"]:
            # Free, abandoned, or ours: checked by DynamoDB itself, so two runs cannot both win.
            condition = dict(
                ConditionExpression="attribute_not_exists(LockID) OR ExpiresAt < :now OR RunId = :run",
                ExpressionAttributeValues={":now": {"N": str(now)}, ":run": {"S": run_id}},
            )
        try:
            self.client.put_item(TableName=self.p["table"], Item=item, aws_retry=True, **condition)
        except self.client.exceptions.ConditionalCheckFailedException:
            self.refuse(self.current())  # another run won the race since we read
        return wanted, previous

    def release(self):
        if self.table_exists() is None:
            return {}
        held = self.current()
        if not held:
            return {}
        if not self.p["force"] and held["run_id"] != self.p["run_id"]:
            self.module.warn(f"{self.p['lock_id']} is now held by {describe(held)}, not by this run: left alone")
            return {}
        if self.p["force"] and held["run_id"] != self.p["run_id"]:
            self.module.warn(f"cleared the lock of {describe(held)}")
        if not self.module.check_mode:
            try:
                self.client.delete_item(
                    TableName=self.p["table"],
                    Key=self.key,
                    ConditionExpression="RunId = :run",
                    ExpressionAttributeValues={":run": {"S": held["run_id"]}},
                    aws_retry=True,
                )
            except self.client.exceptions.ConditionalCheckFailedException:
                self.module.warn(f"{self.p['lock_id']} changed hands while being released: left alone")
                return {}
        return public(held) if held["run_id"] != self.p["run_id"] else {}


def main():
    argument_spec = dict(
        table=dict(type="str", default="trading-infra-locks"),
        lock_id=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        run_id=dict(type="str"),
        holder=dict(type="str", default=""),
        operation=dict(type="str", default=""),
        ttl=dict(type="int", default=10800),
        force=dict(type="bool", default=False),
        create_table=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
    )
    if module.params["state"] == "absent" and not (module.params["run_id"] or module.params["force"]):
        module.fail_json(msg="releasing a lock needs the run_id that took it (or force=true)")
    if module.params["ttl"] < 60:
        module.fail_json(msg=f"ttl must be at least 60 seconds (got {module.params['ttl']})")
    lock = Lock(module)
    try:
        if module.params["state"] == "present":
            held, previous = lock.acquire()
        else:
            held, previous = {}, lock.release()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg=f"lock {module.params['lock_id']}: failed", actions=lock.plan.actions, resources=lock.plan.resources
        )
    lock.plan.exit_json(module, lock=held, previous=previous)


if __name__ == "__main__":
    main()
