"""Search by the names readers use: the rules' keywords, the reader queries, the search index.

The browser test that types every query of tests/search_queries.toml into the site's search
box is in tests/test_browser.py (test_reader_searches_find_their_rule), next to the other
search tests that share its page. These tests need neither a browser nor a built site.
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from mkdocs.exceptions import PluginError

import mcref
from mcref.core.registry import Arg, rule
from tests.conftest import ROOT
from tests.test_site import load_hook

QUERIES: dict[str, str | list[str]] = tomllib.loads((ROOT / "tests" / "search_queries.toml").read_text("utf-8"))


def test_the_reader_queries_name_registered_rules() -> None:
    assert len(QUERIES) >= 40, len(QUERIES)
    ids = {r.id for r in mcref.all_rules()}
    wanted = {q: [i] if isinstance(i, str) else i for q, i in QUERIES.items()}
    assert {q: i for q, i in wanted.items() if not i or not set(i) <= ids} == {}


def test_every_rule_carries_search_keywords() -> None:
    """The names readers type for a rule are part of its registration (`keywords=`)."""
    assert [r.id for r in mcref.all_rules() if not r.keywords] == []
    assert "ReLU" in mcref.get_rule("N6").keywords and "MSE" in mcref.get_rule("X22").keywords


@pytest.mark.parametrize(
    ("keywords", "error", "message"),
    [
        ("ReLU", TypeError, "keywords must be a list or tuple of strings, got str 'ReLU'"),
        (("ReLU", 3), TypeError, "every keyword must be a string, got int 3"),
        (("ReLU", "  "), ValueError, "a keyword must not be empty, got '  '"),
    ],
)
def test_bad_keywords_are_refused_by_name(keywords: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=f"rule Q1: {message}"):
        rule(
            "Q1", title="t", forward=abs, wrt="x", latex="x", shape=(1, 1), args={"x": Arg(shape=())}, keywords=keywords
        )
    assert "Q1" not in {r.id for r in mcref.all_rules()}


def _index(fields: dict[str, Any]) -> dict[str, Any]:
    docs = [{"location": f"rules/page/#{r.id}", "title": r.id, "text": ""} for r in mcref.all_rules()]
    return {"config": {"fields": fields}, "docs": [{"location": "rules/page/", "title": "p", "text": ""}, *docs]}


def test_the_index_gets_each_rules_keywords_and_boost() -> None:
    hook = load_hook("rules")
    sections = {r.id: f"rules/page/#{r.id}" for r in mcref.all_rules()}
    index = _index({"title": {"boost": 1000}, "keywords": {"boost": 1000}})
    hook.index_rules(index, sections)
    by_location = {doc["location"]: doc for doc in index["docs"]}
    n6 = by_location["rules/page/#N6"]
    assert n6["boost"] == hook.RULE_SEARCH_BOOST > 5 / 2  # above Material's lift of a page's top
    assert "ReLU" in n6["keywords"].split(", ")
    assert "boost" not in by_location["rules/page/"] and "keywords" not in by_location["rules/page/"]
    # the search plugin's settings must weigh the field, or the keywords would be ignored
    with pytest.raises(PluginError, match="weighs no 'keywords' field"):
        hook.index_rules(_index({"title": {"boost": 1000}}), sections)
    # a rule whose section is not in the index
    with pytest.raises(PluginError, match="rule N6: its section rules/elsewhere/#N6 is not in the search index"):
        hook.index_rules(_index({"keywords": {"boost": 1000}}), {**sections, "N6": "rules/elsewhere/#N6"})
    # a rule this build does not place is left alone (a probe site with a few rules)
    index = _index({"keywords": {"boost": 1000}})
    hook.index_rules(index, {"N6": "rules/page/#N6"})
    assert [doc["location"] for doc in index["docs"] if "boost" in doc] == ["rules/page/#N6"]
