"""drift_report: the callback's records as field-level entries."""

from ansible_collections.ninetynine.trading_infra.plugins.filter.drift import drift_records, drift_report


def test_fields_that_differ_are_reported_with_wanted_and_found():
    records = drift_records(
        '{"component": "compliance", "task": "Alarms", "item": null, "actions": ["update alarm x"],'
        ' "diff": {"before": {"x": {"Threshold": 50, "Period": 60}}, "after": {"x": {"Threshold": 5, "Period": 60}}}}\n'
    )
    assert drift_report(records) == [
        {"component": "compliance", "resource": "Alarms", "field": "x.Threshold", "wanted": 5, "found": 50}
    ]


def test_a_list_of_diffs_headers_items_and_assigned_arns():
    records = [
        {
            "component": "data_tier",
            "task": "Groups",
            "item": "trading-dev-aurora",
            "diff": [
                {"before": {"rules": [1], "arn": "arn:aws:ec2:...", "name": "a"}, "after": {"rules": [], "name": "a"}},
                {"before_header": "b", "before": {}, "after": {"size": 2}},
            ],
        }
    ]
    entries = drift_report(records)
    assert [(e["resource"], e["field"], e["wanted"], e["found"]) for e in entries] == [
        ("Groups (trading-dev-aurora)", "rules", [], [1]),  # the ARN AWS assigned is not drift
        ("b", "size", 2, None),
    ]


def test_a_change_without_a_structured_diff_is_still_reported():
    entries = drift_report([{"component": "alb", "task": "WAF", "diff": {}, "actions": None}])
    assert entries == [
        {
            "component": "alb",
            "resource": "WAF",
            "field": None,
            "wanted": "a change (the module gives no field-level diff)",
            "found": None,
        }
    ]
    assert drift_records("") == []
