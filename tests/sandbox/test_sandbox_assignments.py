"""``SandboxConfig(assignments=N)``: a plain seed topped up to about N tag assignments (issue 15)."""

from __future__ import annotations

from app.sandbox import Sandbox, SandboxConfig


def _rows(sb: Sandbox, table: str, fields: list[str]) -> list[dict[str, object]]:
    return sb.store.rows(table, fields=fields)


def test_assignments_top_up_over_extra_tags() -> None:
    sb = Sandbox(SandboxConfig(seed=500, assignments=4000, assignment_tags=12))
    try:
        pairs = _rows(sb, "ContactGroupAssign", ["ContactId", "GroupId"])
        assert 3900 <= len(pairs) <= 4100
        assert len({(p["ContactId"], p["GroupId"]) for p in pairs}) == len(pairs)  # no duplicates
        rows = _rows(sb, "ContactGroup", ["Id", "GroupName"])
        tags = {int(str(t["Id"])): str(t["GroupName"]) for t in rows}
        assert len(tags) == 8 + 12 and sum(n.startswith("Segment ") for n in tags.values()) == 12
        sizes: dict[int, int] = {}
        for p in pairs:
            sizes[int(str(p["GroupId"]))] = sizes.get(int(str(p["GroupId"])), 0) + 1
        segments = sorted((sizes[t] for t, n in tags.items() if n.startswith("Segment ")), reverse=True)
        assert segments[0] > 2 * segments[-1] > 0 and max(sizes.values()) <= 500  # a skew, capped
        by_contact: dict[int, set[int]] = {}
        for p in pairs:
            by_contact.setdefault(int(str(p["ContactId"])), set()).add(int(str(p["GroupId"])))
        for c in _rows(sb, "Contact", ["Id", "Groups"]):  # the Groups field agrees with the rows
            groups = {int(g) for g in str(c.get("Groups") or "").split(",") if g}
            assert groups == by_contact.get(int(str(c["Id"])), set())
    finally:
        sb.stop()


def test_default_seed_is_unchanged() -> None:
    plain = Sandbox(SandboxConfig(seed=300))
    zero = Sandbox(SandboxConfig(seed=300, assignments=0))
    try:
        for table in ("Contact", "ContactGroupAssign", "ContactGroup"):
            assert plain.store.count(table) == zero.store.count(table)
        assert plain.store.count("ContactGroup") == 8
        first = _rows(plain, "Contact", ["Id", "Email", "Groups"])
        assert first == _rows(zero, "Contact", ["Id", "Email", "Groups"])
    finally:
        plain.stop()
        zero.stop()
