"""How bulk-capable connections group a plan's changes into calls, and how REST picks its reads."""

from __future__ import annotations

from app.api.rest.tag_reads import paging_pays, probe, split_for_counting
from app.jobs.bulk_tags import Change, batches, count_calls, phases


def merge_rows(contacts_with_a: set[int], with_b: list[int], a: int = 1, b: int = 2) -> list[Change]:
    rows: list[Change] = []
    for c in with_b:
        if c not in contacts_with_a:
            rows.append(Change(c, a, "apply"))
        rows.append(Change(c, b, "remove"))
    return rows


def test_a_merge_applies_a_to_everyone_before_removing_b_even_if_b_is_seen_first() -> None:
    # contact 10 already has A: its only change, "remove B", is the first row of the plan
    rows = merge_rows({10}, [10, 11, 12, 13])
    assert [(p[0].tag_id, p[0].action) for p in phases(rows)] == [(1, "apply"), (2, "remove")]
    calls = batches(rows, 2)
    assert [(x.phase, x.action, [c.contact_id for c in x.changes]) for x in calls] == [
        (0, "apply", [11, 12]), (0, "apply", [13]), (1, "remove", [10, 11]), (1, "remove", [12, 13])]
    assert count_calls(rows, 2) == len(calls) == 4
    assert count_calls(rows, 1) == len(rows) == 7  # one call per change when calls carry one contact


def test_applying_several_tags_makes_one_phase_per_tag_in_the_plans_order() -> None:
    rows = [Change(c, t, "apply") for c in range(1, 1202) for t in (7, 3)]
    assert [p[0].tag_id for p in phases(rows)] == [7, 3]
    assert count_calls(rows, 500) == 6 and count_calls(rows, 1000) == 4
    assert count_calls([], 500) == 0


def test_contradicting_orders_still_run_every_group_once() -> None:
    rows = [Change(1, 5, "apply"), Change(1, 6, "apply"), Change(2, 6, "apply"), Change(2, 5, "apply")]
    assert sorted(len(p) for p in phases(rows)) == [2, 2]


def test_rest_counts_only_big_tags_and_only_when_it_saves_calls() -> None:
    tags = list(range(1, 61))
    assert split_for_counting(tags, {}) == (tags, [])  # nothing known: page everything
    small = dict.fromkeys(tags, 250)  # 15,000 applications in 60 small tags: 15 pages, 60 counts
    assert split_for_counting(tags, small) == (tags, [])
    few_big = {1: 9000, 2: 8000, 3: 40}  # 17 pages for three tags: count the two big ones
    paged, counted = split_for_counting([1, 2, 3], few_big)
    assert counted == [1, 2] and paged == [3]
    assert split_for_counting([1, 2], {1: 1500, 2: 600}) == ([2], [1])  # 1 count + 1 page < 3 pages
    assert split_for_counting([1, 2], {1: 1500, 2: 400}) == ([1, 2], [])  # 2 pages either way: page


def test_a_chunk_nothing_is_known_about_is_probed_by_its_median_tag() -> None:
    tags = list(range(1, 101))
    assert probe(tags) == [1, 26, 51, 76]  # spread over the chunk, old and new tags alike
    assert probe(tags[:4]) == []  # four counts would be all of it: no probe
    rest = tags[4:]
    big = {1: 13_000, 26: 12_800, 51: 13_100, 76: 12_900}
    assert not paging_pays(rest, {}, big)  # 96 counts < 1,248 pages
    # one big tag in the probe does not make a chunk of small tags count tag by tag
    assert paging_pays(rest, {}, {1: 40_000, 26: 150, 51: 90, 76: 300})  # 29 pages < 96 counts
    assert not paging_pays([5, 6], {5: 1_500}, {1: 1_600, 26: 1_400, 51: 1_500})  # 3 pages > 2 counts
