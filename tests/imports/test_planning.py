"""The dry run: matches by any e-mail slot or by name and phone, merges within the file,
changes only what differs."""

from __future__ import annotations

from datetime import date

from app.core.contact_fields import catalog
from app.imports.checking import check_rows
from app.imports.mapping import suggest
from app.imports.planning import plan_import, read_fields
from app.imports.reading import read_table

FIELDS = catalog([])
ACCOUNT = [
    {"Id": 10, "Email": "ann@example.test", "FirstName": "Ann", "LastName": "Lee", "Company": ""},
    {"Id": 11, "Email": "other@example.test", "EmailAddress2": "BOB@Example.test", "FirstName": "Bob",
     "Company": "Bob & Co"},
    {"Id": 12, "FirstName": "Cy", "LastName": "Ng", "Phone1": "+1 (617) 555-0100"},
]
FILE = (
    "Email,First,Last,Company,Phone,Birthday\n"
    "ANN@example.test,Ann,Lee,Lee Ltd,,1990-01-02\n"     # 2: matched by e-mail: fills Company, Birthday
    "bob@example.test,Bob,,Acme,,\n"                      # 3: matched by e-mail slot 2: Company not blank
    ",Cy,Ng,,617-555-0100,\n"                             # 4: name and phone (only in that mode)
    "dee@example.test,Dee,,,,\n"                          # 5: new
    "Dee@Example.test,,Dee-Last,Dee Corp,,\n"             # 6: same e-mail as line 5: merged into it
    "bad,Eve,,,,\n"                                       # 7: invalid
)


def plan(**options: object):  # type: ignore[no-untyped-def]
    table = read_table(FILE.encode())
    rows = check_rows(table.rows, suggest(table.headers, FIELDS), FIELDS)
    return plan_import(rows, ACCOUNT, **options)  # type: ignore[arg-type]


def test_the_default_fills_blanks_of_matched_contacts_and_creates_the_rest() -> None:
    result = {r.line: r for r in plan().rows}
    assert (result[2].action, result[2].contact_id, result[2].matched_by) == ("update", 10, "e-mail")
    assert result[2].values == {"Company": "Lee Ltd", "Birthday": date(1990, 1, 2)}  # not Email/names
    assert (result[3].action, result[3].contact_id) == ("unchanged", 11)  # Company "Bob & Co" kept
    assert result[4].action == "create"  # e-mail matching only: Cy is not matched by name
    assert result[5].action == "create"
    assert result[5].values == {"Email": "dee@example.test", "FirstName": "Dee", "LastName": "Dee-Last",
                                "Company": "Dee Corp"}  # line 6's cells fill line 5's blanks
    assert (result[6].action, result[6].merged_into) == ("merged", 5)
    assert result[7].action == "invalid" and "not an e-mail address" in result[7].problems[0]
    assert plan().summary() == {"rows": 6, "invalid": 1, "create": 2, "update": 1, "unchanged": 2,
                                "calls": 3}


def test_overwrite_skip_create_and_name_phone_matching() -> None:
    overwrite = {r.line: r for r in plan(on_match="overwrite").rows}
    assert overwrite[3].action == "update" and overwrite[3].values == {"Company": "Acme"}
    assert {r.line: r.action for r in plan(on_match="skip").rows}[2] == "skip"
    assert {r.line: r.action for r in plan(on_match="create").rows}[2] == "create"
    by_phone = {r.line: r for r in plan(mode="email+name-phone").rows}
    assert (by_phone[4].action, by_phone[4].contact_id, by_phone[4].matched_by) == ("unchanged", 12,
                                                                                     "name and phone")


def test_importing_what_the_account_already_holds_changes_nothing() -> None:
    table = read_table(b"E-mail,First name\nann@example.test,Ann\nBOB@example.test,Bob\n")
    rows = check_rows(table.rows, suggest(table.headers, FIELDS), FIELDS)
    result = plan_import(rows, ACCOUNT)
    assert [r.action for r in result.rows] == ["unchanged", "unchanged"] and result.calls == 0


def test_the_paged_pass_reads_only_what_matching_and_the_mapping_need() -> None:
    assert read_fields(["FirstName", "Email"], "email") == ["Id", "Email", "EmailAddress2", "EmailAddress3",
                                                            "FirstName"]
    assert "Phone5" in read_fields([], "email+name-phone")
