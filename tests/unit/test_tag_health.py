"""Tag health: near-duplicate keys (properties), empty/uncategorised/undescribed tags."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from app.core.tag_health import is_untidy, name_key, near_duplicates, tag_health
from app.core.tags import Tag, TagCategory, has_tags, retired_name

LETTERS = string.ascii_letters
words = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=10)
names = st.lists(st.text(alphabet=LETTERS + string.digits, min_size=1, max_size=8), min_size=1, max_size=4)


@given(names)
def test_case_does_not_matter(parts: list[str]) -> None:
    name = " ".join(parts)
    assert name_key(name) == name_key(name.swapcase()) == name_key(name.upper())


@given(names, st.sampled_from([" ", "  ", "\t"]), st.sampled_from(["", " ", "   "]))
def test_spacing_does_not_matter(parts: list[str], inner: str, outer: str) -> None:
    assert name_key(outer + inner.join(parts) + outer) == name_key(" ".join(parts))


@given(names, st.sampled_from(["-", "_", ": ", ".", " / ", "'", "(", ")", ", "]))
def test_punctuation_does_not_matter(parts: list[str], sep: str) -> None:
    assert name_key(sep.join(parts)) == name_key(" ".join(parts))


@given(words.filter(lambda w: w[-1] not in "siu"))
def test_simple_s_plural(word: str) -> None:
    assert name_key(word + "s") == name_key(word)
    assert name_key(f"VIP {word}s") == name_key(f"vip {word}")


@given(words.map(lambda w: w + "x") | words.map(lambda w: w + "ch") | words.map(lambda w: w + "sh")
       | words.map(lambda w: w + "z"))
def test_es_plural(word: str) -> None:
    assert name_key(word + "es") == name_key(word)


@given(st.text(alphabet="aeiouyAEIOUcnCNs" + "àáâãäåèéêëìíîïòóôõöùúûüñçÀÉÎÕÜÇ", min_size=1, max_size=12))
def test_accents_do_not_matter(text: str) -> None:
    from unidecode import unidecode

    assert name_key(text) == name_key(unidecode(text))


def test_examples() -> None:
    assert name_key("Customer") == name_key("customer ") == name_key("Customers")
    assert name_key("Workshop: Café Lyon") == name_key("workshop cafe lyon")
    assert name_key("Follow-up") == name_key("Follow up") == name_key("followups")
    assert name_key("Region: UK & Ireland") == name_key("Region UK and Ireland")
    assert name_key("Categories") == name_key("category")
    assert name_key("Classes") == name_key("class")
    assert name_key("Status") == name_key("Statuses")
    # genuinely different tags stay apart
    assert name_key("Webinar 2023-03 Registered") != name_key("Webinar 2024-09 Registered")
    assert name_key("Imported 2019") != name_key("Imported 2021 (old CRM)")
    assert name_key("Customer") != name_key("Former Customer")
    assert name_key("!!!") == ""


def _tags(*specs: tuple[str, int | None]) -> list[Tag]:
    return [Tag(i + 1, name, 1, "d", count) for i, (name, count) in enumerate(specs)]


@given(st.lists(st.sampled_from(["Customer", "customer ", "Customers", "VIP", "vips", "Lead", "Misc",
                                 "Café", "cafe", "Follow up", "follow-up", "x"]), max_size=12))
def test_groups_partition(chosen: list[str]) -> None:
    tags = [Tag(i, n) for i, n in enumerate(chosen)]
    groups = near_duplicates(tags)
    seen: set[int] = set()
    for group in groups:
        assert len(group.tags) >= 2
        assert len({name_key(t.name) for t in group.tags}) == 1
        ids = {t.id for t in group.tags}
        assert not ids & seen
        seen |= ids
    keys = [name_key(n) for n in chosen]
    assert sum(len(g.tags) for g in groups) == sum(1 for k in keys if k and keys.count(k) > 1)


def test_suggested_target_is_the_biggest_tidy_tag() -> None:
    tags = _tags(("customer ", 40), ("Customers", 150), ("Customer", 900), ("Lead", 3))
    [group] = near_duplicates(tags)
    assert group.target.name == "Customer"
    assert [t.name for t in group.others] == ["Customers", "customer "]
    # with equal counts the tidy name wins
    [group] = near_duplicates(_tags(("customer ", 5), ("Customer", 5)))
    assert group.target.name == "Customer"


def test_health_report() -> None:
    cats = [TagCategory(1, "Status")]
    tags = [Tag(1, "Customer", 1, "Paying", 10), Tag(2, "customer ", None, "", 0),
            Tag(3, "Old", 99, "", 0), Tag(4, "New", 1, "  ", None)]
    health = tag_health(tags, cats)
    assert [t.id for t in health.empty] == [2, 3]
    assert {t.id for t in health.uncategorised} == {2, 3}  # none, and a category that is gone
    assert {t.id for t in health.undescribed} == {2, 3, 4}
    assert [t.id for t in health.untidy] == [2]
    assert [g.target.id for g in health.duplicates] == [1]
    assert not health.counted
    assert health.issue_count == 2 + 2 + 3 + 1 + 1


def test_small_helpers() -> None:
    assert is_untidy(" a") and is_untidy("a  b") and not is_untidy("a b")
    assert retired_name(" Old ") == "zz-retired Old"
    assert retired_name("zz-retired Old") == "zz-retired Old"
    assert has_tags({1, 2}, {1, 2}, "all") and not has_tags({1}, {1, 2}, "all")
    assert has_tags({1}, {1, 2}, "any") and not has_tags({3}, {1, 2}, "any")
    assert has_tags({3}, {1, 2}, "none") and not has_tags({2}, {1, 2}, "none")
    assert has_tags(set(), set(), "all") and has_tags(set(), set(), "none")
