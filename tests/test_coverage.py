"""Coverage of the paper: every ID in spec/rule-ids.toml is registered, verified and on the site.

spec/rule-ids.toml is the machine-readable list of the paper's reference rules
(R1-R26) and of the body results mcref gives IDs of their own. The registry and
the built site must match it in both directions for the paper's rules;
extensions (mcref.ext) are not listed, so a new extension is one registration
and one `{{ rule ID }}` line.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict

import pytest

import mcref
from tests.conftest import ROOT, BuiltSite
from tests.test_site import tags

SPEC = tomllib.loads((ROOT / "spec" / "rule-ids.toml").read_text(encoding="utf-8"))
REGISTERED = {r.id: r for r in mcref.all_rules()}


def test_the_paper_reference_is_listed_in_full() -> None:
    assert {f"R{i}" for i in range(1, 27)} <= set(SPEC)
    for rid, entry in SPEC.items():
        assert set(entry) == {"section", "title", "source"}, rid
        assert entry["source"] == ("reference" if rid.startswith("R") else "body"), rid


def test_every_listed_id_is_registered() -> None:
    missing = sorted(set(SPEC) - set(REGISTERED), key=lambda i: (re.sub(r"\d", "", i), int(re.sub(r"\D", "", i))))
    assert missing == [], f"listed in spec/rule-ids.toml but not registered in mcref: {missing}"


def test_every_registered_paper_rule_is_listed() -> None:
    extra = sorted(rid for rid, r in REGISTERED.items() if r.origin == "paper" and rid not in SPEC)
    assert extra == [], f"registered in mcref.paper but missing from spec/rule-ids.toml: {extra}"


def test_no_extension_is_listed() -> None:
    """The list is the paper's: an extension listed here would have to be kept in step by hand."""
    listed = sorted(rid for rid in SPEC if rid in REGISTERED and REGISTERED[rid].origin != "paper")
    assert listed == [], f"extensions listed in spec/rule-ids.toml (remove them): {listed}"


@pytest.mark.parametrize("rid", sorted(set(SPEC) & set(REGISTERED)))
def test_listed_section_matches_the_registry(rid: str) -> None:
    assert REGISTERED[rid].section == SPEC[rid]["section"]


def test_every_listed_rule_is_on_exactly_one_page(site: BuiltSite) -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for page in site.pages():
        for _, attrs in tags(page):
            if attrs.get("data-rule"):
                where[str(attrs["data-rule"])].append(page.relative_to(site.path).as_posix())
    missing = sorted(set(SPEC) - set(where))
    twice = {rid: pages for rid, pages in where.items() if rid in SPEC and len(pages) != 1}
    assert missing == [], f"listed rules with no anchor on the built site: {missing}"
    assert twice == {}, twice
