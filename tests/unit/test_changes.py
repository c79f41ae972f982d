"""The change feed: what each write stands for, merged, held for a job, told once."""

from __future__ import annotations

import threading

from app.services.changes import ChangeFeed, Changes, changes_of
from app.services.contacts import WriteEvent
from app.services.records import RecordWriteEvent
from app.services.tags import TagWriteEvent


def test_each_kind_of_write_names_what_it_changed() -> None:
    updated = changes_of(WriteEvent("update", 7, {"FirstName": "Ann"}))
    assert updated == Changes(contact_values={7: {"FirstName": "Ann"}})
    created = changes_of(WriteEvent("create", None, {"Email": "a@b.c"}, result_id=9))
    assert created.contacts_added == {9} and created.contact_values == {9: {"Email": "a@b.c"}}
    deleted = changes_of(WriteEvent("delete", 7, {}))
    assert deleted.contacts_removed == {7} and deleted.every_tag_count and deleted.tags_changed
    applied = changes_of(TagWriteEvent("apply", 31, contact_id=7))
    assert applied == Changes(contact_tags=frozenset({7}), tag_members=frozenset({31}))
    renamed = changes_of(TagWriteEvent("update_tag", 31))
    assert renamed.tag_catalog and not renamed.every_tag_count
    assert changes_of(TagWriteEvent("delete_tag", 31)).every_tag_count
    linked = changes_of(RecordWriteEvent("link", 7, 8))
    assert linked.touches_records(frozenset({"links"}), 8)  # both ends of a link show it
    assert not linked.touches_records(frozenset({"orders"}), 7)
    opted = changes_of(RecordWriteEvent("opt_out", None, "a@b.c"))
    assert opted.touches_records(frozenset({"email_status"}), 123)  # per address: any contact may show it
    item = changes_of(RecordWriteEvent("delete_order_item", 7, 99, order_id=5))
    assert item.touches_records(frozenset({"invoices"}), 7)  # an item changes its invoice's total
    assert not changes_of(RecordWriteEvent("achieve_goal", 7, None))


def test_changes_merge_later_values_win() -> None:
    a = Changes(contact_values={1: {"FirstName": "A", "LastName": "L"}}, tag_members=frozenset({3}))
    b = Changes(contact_values={1: {"FirstName": "B"}}, records={"links": frozenset({1})}, tag_catalog=True)
    feed = ChangeFeed()
    feed.subscribe(lambda: None)
    feed.add(a)
    feed.add(b)
    merged = feed.take()
    assert merged.contact_values == {1: {"FirstName": "B", "LastName": "L"}}
    assert merged.tag_members == {3} and merged.tag_catalog and merged.records == {"links": {1}}
    assert not Changes() and merged


def test_a_failed_contact_save_reports_no_values_but_a_failed_tag_write_still_counts() -> None:
    feed = ChangeFeed()
    feed.subscribe(lambda: None)
    feed.after_write(WriteEvent("update", 7, {"FirstName": "Never saved"}), RuntimeError("refused"))
    feed.after_write(WriteEvent("delete", 7, {}), RuntimeError("refused"))
    assert not feed.take()  # the table must not show values (or lose rows) Keap did not change
    feed.after_write(TagWriteEvent("apply", 31, contact_id=7), TimeoutError("reply lost"))
    assert feed.take().tag_members == {31}  # Keap may have applied it: count again


def test_hold_gathers_a_job_and_tells_once_at_its_end() -> None:
    feed = ChangeFeed()
    told: list[int] = []
    unsubscribe = feed.subscribe(lambda: told.append(1))
    with feed.hold():
        for contact in range(50):
            feed.after_write(TagWriteEvent("apply", 31, contact_id=contact), None)
        assert told == []
    assert told == [1]
    taken = feed.take()
    assert taken.contact_tags == set(range(50)) and not feed.take()
    unsubscribe()
    feed.after_write(TagWriteEvent("apply", 31, contact_id=1), None)
    assert told == [1] and not feed.take()  # nobody listening (the CLI): nothing is kept


def test_writes_from_many_threads_are_all_gathered() -> None:
    feed = ChangeFeed()
    feed.subscribe(lambda: None)
    barrier = threading.Barrier(8)

    def write(worker: int) -> None:
        barrier.wait()
        for contact in range(worker * 100, worker * 100 + 100):
            feed.after_write(TagWriteEvent("remove", 5, contact_id=contact), None)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert feed.take().contact_tags == set(range(800))
