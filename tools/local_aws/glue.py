"""The Glue Data Catalog and crawlers as AWS keeps them, where moto 5.2 differs in ways the catalogue
depends on.

* Database names are folded to lower case (botocore's model, DatabaseInput.Name: "For Hive
  compatibility, this is folded to lowercase when it is stored"; UpdateDatabase Name: "folded to
  lowercase"): CreateDatabase stores ``Market_Data`` as ``market_data`` (its tag ARN is
  ``arn:aws:glue:<region>:<account>:database/market_data``), a second CreateDatabase of ``MARKET_DATA``
  is AlreadyExistsException, and Get/Update/DeleteDatabase find the database whatever the case of the
  name. moto keeps the case, so ``MARKET_DATA`` and ``market_data`` were two databases.
* CreateCrawler needs a target (API reference CreateCrawler: "At least one crawl target must be
  specified, in the s3Targets field, the jdbcTargets field, or the DynamoDBTargets field"), and an
  S3 target's bucket must exist (AWS answers InvalidInputException "S3 bucket does not exist." or
  "Unable to validate existence of s3 target s3://...", quoted in data-dot-all/dataall #384 and
  hashicorp/terraform-provider-aws #30370); so must the targets an UpdateCrawler gives.
  InvalidInputException. moto takes no targets and any bucket.
* A crawler's Schedule is a cron expression as the Glue Developer Guide's "Time-Based Schedules for
  Jobs and Crawlers" defines it: ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``, six
  fields, each in its range (0-59, 0-23, 1-31, 1-12 or JAN-DEC, 1-7 or SUN-SAT, 1970-2199) with the
  wildcards that field takes; Day-of-month and Day-of-week not both given ("If you specify a value in
  one of the fields, you must use a ? (question mark) in the other"); no rate faster than 5 minutes
  ("Cron expressions that lead to rates faster than 5 minutes are not supported").
  InvalidInputException, wording ours. moto takes any string.
* A crawler's Configuration is "a versioned JSON string" (the guide's "Setting Crawler Configuration
  Options": every example carries ``"Version": 1.0``): a JSON object with a numeric Version, and
  ``CrawlerOutput.Partitions`` takes only AddOrUpdateBehavior (AWS answers "CrawlerOutput.Partitions
  contains unsupported keys: UpdateBehavior.", quoted in LBHackney-IT/Data-Platform #979).
  InvalidInputException; the other wording ours. moto takes any string.
* A crawler with RecrawlPolicy CRAWL_NEW_FOLDERS_ONLY takes only LOG in its SchemaChangePolicy:
  InvalidInputException 'The SchemaChangePolicy for "Crawl new folders only" Amazon S3 target can
  have only LOG DeleteBehavior value and LOG UpdateBehavior value.' (quoted in
  LBHackney-IT/Data-Platform #2418). moto takes any.
* UpdateCrawler (moto lacks it: an internal error), shaped as botocore's model says: the members
  given replace the crawler's (an empty Schedule or Description removes it), Version goes up by one,
  LastUpdated is now; EntityNotFoundException for a crawler that does not exist,
  CrawlerRunningException while it runs (API reference UpdateCrawler: "If a crawler is running, you
  must stop it using StopCrawler before updating it"). DeleteCrawler of a running crawler is
  CrawlerRunningException too (API reference DeleteCrawler: "Removes a specified crawler ..., unless
  the crawler state is RUNNING"); moto deletes it.
* DeleteDatabase and DeleteCrawler take the resource's tags with it (AWS deletes them, after a while:
  "Tags created previously on a crawler of the same name are in deleting state", quoted in
  hashicorp/terraform-provider-aws #31738); moto kept them, so a database made again under the name
  came back with the old tags.

What moto already gets right: AlreadyExistsException for a second database or crawler of a name,
EntityNotFoundException for Get/Update/DeleteDatabase and Get/DeleteCrawler of one that does not
exist, tags on CreateDatabase and CreateCrawler, TagResource and GetTags by the
``database/<name>`` and ``crawler/<name>`` ARNs. Name lengths and patterns, and the SchemaChangePolicy
and RecrawlPolicy enums, are the model's (validation.py). Not emulated: crawler runs (what a crawl
finds, the tables it writes, its schedule firing), Glue assuming the crawler's role.
"""

from __future__ import annotations

import itertools
import json
import re

TARGET_KINDS = (
    "S3Targets",
    "JdbcTargets",
    "MongoDBTargets",
    "DynamoDBTargets",
    "CatalogTargets",
    "DeltaTargets",
    "IcebergTargets",
    "HudiTargets",
)
NEW_FOLDERS_ONLY = (
    'The SchemaChangePolicy for "Crawl new folders only" Amazon S3 target can have only LOG DeleteBehavior value '
    "and LOG UpdateBehavior value."
)
PARTITION_OUTPUT_KEYS = frozenset({"AddOrUpdateBehavior"})
MIN_INTERVAL_MINUTES = 5
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (name, low, high, names for low.., extra forms beside numbers, ranges and steps)
CRON_FIELDS = (
    ("Minutes", 0, 59, (), ""),
    ("Hours", 0, 23, (), ""),
    ("Day-of-month", 1, 31, (), r"\?|L|LW|\d{1,2}W"),
    ("Month", 1, 12, MONTHS, ""),
    ("Day-of-week", 1, 7, WEEKDAYS, r"\?|L|[1-7A-Z]{1,3}L|[1-7A-Z]{1,3}#[1-5]"),
    ("Year", 1970, 2199, (), ""),
)
_ITEM = re.compile(r"(\*|[0-9A-Z]+(?:-[0-9A-Z]+)?)(?:/(\d+))?")


def _input(message: str):
    from moto.glue.exceptions import InvalidInputException

    return InvalidInputException("", message)


def _value(token: str, low: int, high: int, names: tuple) -> int | None:
    if token in names:
        return low + names.index(token)
    return int(token) if token.isdigit() and low <= int(token) <= high else None


def _field_values(text: str, low: int, high: int, names: tuple, extra: str) -> set | None:
    """The values a cron field matches (empty for the ? and L forms), or None if it is malformed."""
    values: set = set()
    for item in text.split(","):
        if extra and re.fullmatch(extra, item):
            if item == "?" and text != "?":
                return None
            continue
        match = _ITEM.fullmatch(item)
        if match is None:
            return None
        span, step = match.group(1), match.group(2)
        if span == "*":
            first, last = low, high
        else:
            ends = [_value(token, low, high, names) for token in span.split("-")]
            if None in ends:
                return None
            first = ends[0]
            # "5/15" runs from 5 to the field's end; "5" and "1-5/2" stop where they say.
            last = high if step and len(ends) == 1 else ends[-1]
        step = int(step or 1)
        if first > last or step < 1:
            return None
        values.update(range(first, last + 1, step))
    return values


def cron_problem(expression: str) -> str | None:
    """Why Glue refuses this Schedule, or None."""
    match = re.fullmatch(r"cron\((.*)\)", expression.strip())
    fields = match.group(1).split() if match else []
    if len(fields) != len(CRON_FIELDS):
        return (
            f"Invalid schedule expression {expression!r}: a cron expression has six fields, "
            "cron(Minutes Hours Day-of-month Month Day-of-week Year)"
        )
    matched = []
    for (name, low, high, names, extra), text in zip(CRON_FIELDS, fields, strict=True):
        values = _field_values(text.upper(), low, high, names, extra)
        if values is None:
            return f"Invalid schedule expression {expression!r}: the {name} field {text!r} is not valid"
        matched.append(values)
    if (fields[2] == "?") == (fields[4] == "?"):
        return (
            f"Invalid schedule expression {expression!r}: one of Day-of-month and Day-of-week must be ? "
            "and the other not"
        )
    minutes, hours = sorted(matched[0]), matched[1]
    gaps = [b - a for a, b in itertools.pairwise(minutes)]
    if any((h + 1) % 24 in hours for h in hours):
        gaps.append(60 - minutes[-1] + minutes[0])
    if gaps and min(gaps) < MIN_INTERVAL_MINUTES:
        return f"Invalid schedule expression {expression!r}: rates faster than 5 minutes are not supported"
    return None


def configuration_problem(configuration: str) -> str | None:
    try:
        document = json.loads(configuration)
    except ValueError:
        return "Crawler configuration not valid: Error parsing JSON"
    if not isinstance(document, dict):
        return "Crawler configuration not valid: the configuration is not a JSON object"
    version = document.get("Version")
    if version is None:
        return "Crawler configuration not valid: Crawler configuration missing required key: Version."
    if isinstance(version, bool) or not isinstance(version, (int, float)):
        return "Crawler configuration not valid: Version must be a number"
    partitions = (document.get("CrawlerOutput") or {}).get("Partitions") or {}
    unsupported = sorted(set(partitions) - PARTITION_OUTPUT_KEYS) if isinstance(partitions, dict) else []
    if unsupported:
        return f"CrawlerOutput.Partitions contains unsupported keys: {', '.join(unsupported)}."
    return None


def _bucket_exists(account_id: str, region: str, path: str) -> bool:
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    bucket = path.removeprefix("s3://").split("/", 1)[0]
    return bucket in s3_backends[account_id][get_partition(region)].buckets


def check_crawler(backend, params: dict, crawler=None) -> None:
    """Refuse a CreateCrawler (crawler None) or an UpdateCrawler of ``crawler`` as AWS does."""
    if crawler is None or "Targets" in params:
        targets = params.get("Targets") or {}
        if not any(targets.get(kind) for kind in TARGET_KINDS):
            raise _input("At least one crawl target must be specified")
        for target in targets.get("S3Targets") or []:
            if not _bucket_exists(backend.account_id, backend.region_name, target.get("Path") or ""):
                raise _input(
                    f"Unable to validate existence of s3 target {target.get('Path')}: S3 bucket does not exist."
                )
    problem = None
    if params.get("Schedule"):
        problem = cron_problem(params["Schedule"])
    if not problem and params.get("Configuration"):
        problem = configuration_problem(params["Configuration"])
    if problem:
        raise _input(problem)
    recrawl = params.get("RecrawlPolicy") or (crawler.recrawl_policy if crawler else None) or {}
    policy = params.get("SchemaChangePolicy") or (crawler.schema_change_policy if crawler else None) or {}
    if recrawl.get("RecrawlBehavior") == "CRAWL_NEW_FOLDERS_ONLY" and set(policy.values()) - {"LOG"}:
        raise _input(NEW_FOLDERS_ONLY)


# UpdateCrawler members and the FakeCrawler attributes they replace.
CRAWLER_MEMBERS = {
    "Role": "role",
    "DatabaseName": "database_name",
    "Description": "description",
    "Targets": "targets",
    "Schedule": "schedule",
    "Classifiers": "classifiers",
    "TablePrefix": "table_prefix",
    "SchemaChangePolicy": "schema_change_policy",
    "RecrawlPolicy": "recrawl_policy",
    "LineageConfiguration": "lineage_configuration",
    "Configuration": "configuration",
    "CrawlerSecurityConfiguration": "crawler_security_configuration",
}


def apply() -> None:
    from moto.core.responses import EmptyResult
    from moto.core.utils import utcnow
    from moto.glue.exceptions import CrawlerRunningException
    from moto.glue.models import GlueBackend
    from moto.glue.responses import GlueResponse
    from moto.utilities.utils import get_partition

    def refuse_while_running(crawler) -> None:
        if crawler.status != "READY":
            raise CrawlerRunningException(f"Crawler with name {crawler.name} is {crawler.status.lower()}")

    for operation in ("create_database", "get_database", "update_database"):
        original = getattr(GlueBackend, operation)

        def folded(self, database_name, *args, _original=original, **kwargs):
            return _original(self, (database_name or "").lower(), *args, **kwargs)

        setattr(GlueBackend, operation, folded)

    delete_database = GlueBackend.delete_database

    def delete_database_and_tags(self, database_name):
        name = (database_name or "").lower()
        delete_database(self, name)
        region = self.region_name
        self.tagger.delete_all_tags_for_resource(
            f"arn:{get_partition(region)}:glue:{region}:{self.account_id}:database/{name}"
        )

    GlueBackend.delete_database = delete_database_and_tags

    delete_crawler = GlueBackend.delete_crawler

    def delete_crawler_and_tags(self, name):
        crawler = self.get_crawler(name)
        refuse_while_running(crawler)
        delete_crawler(self, name)
        self.tagger.delete_all_tags_for_resource(crawler.arn)

    GlueBackend.delete_crawler = delete_crawler_and_tags

    create_crawler = GlueResponse.create_crawler

    def checked_create_crawler(self):
        check_crawler(self.glue_backend, self.parameters)
        return create_crawler(self)

    GlueResponse.create_crawler = checked_create_crawler

    def update_crawler(self):
        params = self.parameters
        crawler = self.glue_backend.get_crawler(params.get("Name"))
        refuse_while_running(crawler)
        check_crawler(self.glue_backend, params, crawler)
        for member, attribute in CRAWLER_MEMBERS.items():
            if member in params:
                setattr(crawler, attribute, params[member])
        crawler.version += 1
        crawler.last_updated = utcnow()
        return EmptyResult()

    GlueResponse.update_crawler = update_crawler
