"""The change feed: a feed reader parses it; entries per release and per changed case."""

from __future__ import annotations

import feedparser
import pytest

from pipelines.catalogue.feed import compare

from .conftest import report

BASE = "https://w3id.org/lianzheng"


@pytest.fixture(scope="module")
def feeds(release_pair):
    return [feedparser.parse((folder / "changes.atom").read_bytes()) for folder in release_pair]


def test_feed_reader_parses_both_feeds_without_complaint(feeds):
    for f in feeds:
        assert not f.bozo, f.bozo_exception
        assert f.version == "atom10"
        assert f.feed.id.startswith("tag:w3id.org,2026-11-22:lianzheng/")
        assert {link.rel for link in f.feed.links} >= {"self", "alternate"}
    report(f"feedparser: {len(feeds[0].entries)} entries in 0.0.1, {len(feeds[1].entries)} in 0.0.2, no errors")


def test_first_release_has_one_entry_for_itself(feeds):
    first = feeds[0]
    assert [e.id for e in first.entries] == ["tag:w3id.org,2026-11-22:lianzheng/lianzheng-test/0.0.1/release"]
    assert first.entries[0].updated == "2026-11-22T00:00:00Z"


def test_next_release_has_entries_for_itself_each_changed_case_and_the_earlier_release(feeds):
    entries = {e.id.rsplit(":", 1)[1]: e for e in feeds[1].entries}
    assert list(entries) == [
        "lianzheng/lianzheng-test/0.0.2/release",
        "lianzheng/lianzheng-test/0.0.2/case/danjiang-bridge",
        "lianzheng/lianzheng-test/0.0.2/case/taipei-eco-park",
        "lianzheng/lianzheng-test/0.0.2/case/taipei-music-center",
        "lianzheng/lianzheng-test/0.0.1/release",  # carried over, unchanged
    ]
    dj = entries["lianzheng/lianzheng-test/0.0.2/case/danjiang-bridge"]
    assert dj.updated == "2026-11-23T00:00:00Z"
    assert "新增活動 1 筆" in dj.title and "1 new activities" in dj.title
    assert "新增文件 1 筆" in dj.title
    links = {(link.rel, link.href) for link in dj.links}
    assert ("alternate", f"{BASE}/id/case/danjiang-bridge") in links
    assert dj.link == f"{BASE}/id/case/danjiang-bridge"  # what a feed reader opens
    assert ("related", f"{BASE}/downloads/data/activities.csv") in links
    assert ("related", f"{BASE}/downloads/data/documents.csv") in links
    eco = entries["lianzheng/lianzheng-test/0.0.2/case/taipei-eco-park"]
    assert "更正數值" in eco.title and "corrected value" in eco.title
    assert "amount_twd: '4000000000' → '4100000000'" in eco.content[0].value
    assert "新增案件" in entries["lianzheng/lianzheng-test/0.0.2/case/taipei-music-center"].title
    release = entries["lianzheng/lianzheng-test/0.0.2/release"]
    assert release.link == f"{BASE}/id/dataset/lianzheng-test/0.0.2"  # a page, not a Turtle file
    assert [link.type for link in release.links if link.rel == "alternate"] == ["text/html"]
    assert ("describedby", f"{BASE}/catalog") in {(link.rel, link.href) for link in release.links}
    enclosures = {link.href for link in release.links if link.rel == "enclosure"}
    assert f"{BASE}/downloads/datapackage.json" in enclosures
    assert all(int(link.length) > 0 for link in release.links if link.rel == "enclosure")


@pytest.mark.parametrize("old,new,expected", [
    # a new activity
    ({"cases": [{"case_id": "a", "name_zh": "甲"}], "activities": []},
     {"cases": [{"case_id": "a", "name_zh": "甲"}], "activities": [{"activity_id": "a-1", "case_id": "a"}]},
     {"a": ({"activities": ["a-1"]}, {}, [])}),
    # a corrected value in the cases table
    ({"cases": [{"case_id": "a", "amount_twd": "1"}]}, {"cases": [{"case_id": "a", "amount_twd": "2"}]},
     {"a": ({}, {}, [("cases", "a", "amount_twd", "1", "2")])}),
    # a removed document
    ({"cases": [{"case_id": "a"}], "documents": [{"document_id": "d", "case_id": "a"}]},
     {"cases": [{"case_id": "a"}], "documents": []},
     {"a": ({}, {"documents": ["d"]}, [])}),
    # a participant corrected: belongs to the case through its activity
    ({"cases": [{"case_id": "a"}], "activities": [{"activity_id": "x", "case_id": "a"}],
      "participants": [{"activity_id": "x", "position": "1", "role": "chair"}]},
     {"cases": [{"case_id": "a"}], "activities": [{"activity_id": "x", "case_id": "a"}],
      "participants": [{"activity_id": "x", "position": "1", "role": "organiser"}]},
     {"a": ({}, {}, [("participants", "x/1", "role", "chair", "organiser")])}),
    # nothing changed
    ({"cases": [{"case_id": "a", "iri": "x"}]}, {"cases": [{"case_id": "a", "iri": "x"}]}, {}),
])
def test_compare_finds_new_removed_and_corrected_rows(old, new, expected):
    got = {k: (c.added, c.removed, c.corrected) for k, c in compare(old, new).items()}
    assert got == expected
