"""The Matrix Cookbook's section 2: every entry accounted for, every erratum refuted both ways.

spec/cookbook-ids.toml lists the book's 117 entries (MC32 to MC144 and the four
unnumbered displays) and what became of each. The registry, the list and the built
site must agree in both directions: a Cookbook rule that no entry names, an entry
that names a rule that does not exist, or a rule that no page shows fails here.
The rules themselves are checked by the generic sweep of tests/test_rules.py.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict

import numpy as np
import pytest

import mcref
from mcref.core.errata import all_errata, check_erratum
from mcref.core.registry import Rule
from tests.conftest import ROOT, BuiltSite
from tests.test_site import tags

ENTRIES = tomllib.loads((ROOT / "spec" / "cookbook-ids.toml").read_text(encoding="utf-8"))
COOKBOOK = {r.id: r for r in mcref.all_rules() if r.origin == "cookbook"}
STATUSES = {"rule", "not checkable", "todo"}


def test_every_entry_of_the_chapter_is_listed_once_in_order() -> None:
    assert len(ENTRIES) == 117
    numbered = [int(i[2:]) for i in ENTRIES if re.fullmatch(r"MC\d+", i)]
    assert numbered == list(range(32, 145))
    assert {i for i in ENTRIES if i.endswith("u")} == {"MC32u", "MC64u", "MC98u", "MC137u"}


@pytest.mark.parametrize("entry_id", list(ENTRIES))
def test_an_entry_says_what_became_of_it(entry_id: str) -> None:
    entry = ENTRIES[entry_id]
    assert entry["status"] in STATUSES, entry
    if entry["status"] == "rule":
        assert entry.get("rules"), f"{entry_id}: a 'rule' entry names its rules"
        for rule_id in entry["rules"]:
            assert rule_id in COOKBOOK, f"{entry_id}: {rule_id} is not a registered Cookbook rule"
            r = COOKBOOK[rule_id]
            # MC51 or MC51.2 for entry (51); an unnumbered display's rules carry the number before it
            assert r.number == int(re.sub(r"\D", "", entry_id)), (entry_id, rule_id)
            assert r.section == entry["section"], (rule_id, r.section, entry["section"])
            assert r.printed, f"{rule_id}: a Cookbook rule shows the statement as printed"
    elif entry["status"] == "not checkable":
        assert len(entry.get("reason", "")) > 20, f"{entry_id}: say why it cannot be checked"
        assert "rules" not in entry


def test_every_cookbook_rule_belongs_to_an_entry() -> None:
    named = [rule_id for entry in ENTRIES.values() for rule_id in entry.get("rules", [])]
    assert len(named) == len(set(named)), "a rule is named by two entries"
    assert sorted(set(COOKBOOK) - set(named)) == []


def test_every_cookbook_rule_is_on_exactly_one_page(site: BuiltSite) -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for page in site.pages():
        for _, attrs in tags(page):
            if str(attrs.get("data-rule", "")).startswith("MC"):
                where[str(attrs["data-rule"])].append(page.relative_to(site.path).as_posix())
    assert sorted(set(COOKBOOK) - set(where)) == []
    assert {rid: pages for rid, pages in where.items() if len(pages) != 1} == {}
    assert all(pages[0].startswith("cookbook/") for pages in where.values())


def test_the_errata_page_and_the_rules_show_every_erratum(site: BuiltSite) -> None:
    errata = (site.path / "cookbook" / "errata" / "index.html").read_text(encoding="utf-8")
    for e in all_errata():
        assert f'id="erratum-{e.rule}"' in errata
        rule_page = next(p for p in site.pages() if f'data-rule="{e.rule}"' in p.read_text(encoding="utf-8"))
        assert f"errata/#erratum-{e.rule}" in rule_page.read_text(encoding="utf-8"), e.rule


@pytest.mark.parametrize("e", all_errata(), ids=lambda e: e.rule)
def test_an_erratum_is_refuted_by_its_counterexample_and_the_rule_is_not(e: object) -> None:
    from mcref.core.errata import Erratum

    assert isinstance(e, Erratum)
    r: Rule = mcref.get_rule(e.rule)
    assert r.inside(e.counterexample), "the counterexample is inside the rule's domain"
    printed = check_erratum(e)
    assert not printed.ok, f"{e.rule}: the printed formula passes at its counterexample"
    check_erratum(e, printed=False).raise_if_failed()
    if e.holds_when is not None:  # the unstated condition, checked on its other side
        check_erratum(e, e.holds_when).raise_if_failed()
        check_erratum(e, e.holds_when, printed=False).raise_if_failed()
    # and the smallest counterexample is small: a reader can check it by hand
    assert max(np.size(v) for v in e.counterexample.values()) <= 9
