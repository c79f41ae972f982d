"""REST v2 e-mail opt-in status (APIEmailService's counterpart) and API goals (FunnelService's).

Verified [V] (spec / SDK 2.0.26 / keap-rest-v2.md §3.3-3.4):
- ``GET /emailAddresses/{email}/status`` and ``PATCH`` with ``{opted_in, reason}`` (both
  required) answer ``RestEmailAddressStatus {email, opted_in, status, create_time,
  last_click_time, last_open_time, last_sent_time}``; ``GET /emailAddresses`` lists them
  (``ListEmailAddressStatusResponse``; filters ``emails`` (set), ``statuses`` (set of the status
  enum), ``opted_in``; order_by email, status, create_time, last_click_time, last_open_time,
  last_sent_time).
- The opt-in rule: opting in makes an address marketable only from UNENGAGED_MARKETABLE,
  UNENGAGED_NON_MARKETABLE, NON_MARKETABLE or MANUAL; every other state stays as it is.
- ``POST /automations/goals/achieve`` takes ``contact_id`` (an integer) with either
  ``integration`` + ``call_name`` or ``automation_id`` + ``goal_id`` (mutually exclusive) and
  answers ``AchieveGoalResponse {results: [GoalEventResultDTO]}``.

Sandbox choices [I]:
- Both protocols share the hidden ``_EmailStatus`` row, written by the XML-RPC side's own
  ``optIn``/``optOut``: store status single -> SINGLE_OPT_IN, double -> DOUBLE_OPT_IN,
  unengaged -> UNENGAGED_NON_MARKETABLE, optout -> ADMIN (an opt-out made through the API or by
  an admin), bounce -> HARD_BOUNCE; ``opted_in`` is true for single and double. So an address
  opted out over either protocol cannot be opted in over the other: the PATCH answers 200 with
  the unchanged status (XML-RPC ``optIn`` answers False). Opting out works from every state.
- An address is known when it has a status row or is any contact's Email/EmailAddress2/3
  (no row yet = UNENGAGED_NON_MARKETABLE, as ``getOptStatus`` 0); anything else is 404.
  ``email`` answers the stored spelling. ``reason`` must be non-blank.
- ``create_time`` is the earliest creation time of a contact holding the address, else the
  status row's last change; the sandbox tracks no sends, opens or clicks, so the ``last_*``
  times are absent and ordering by them falls back to the e-mail address. The list covers
  addresses with a status row.
- A ``statuses`` value the store never holds (e.g. LOCKDOWN) is valid and matches nothing.
- Goals: the ``integration`` form runs the XML-RPC ``achieveGoal`` itself (exact-case match,
  one result per goal, ``automation_id`` = the goal's campaign); the id form completes the goal
  with that id when it belongs to that automation and logs it in ``_GoalAchieved`` exactly as
  ``achieveGoal`` does. No matching goal is a 200 with one ``success: false`` result (as over
  XML-RPC); an unknown contact is **404**. ``contact_id`` may also be sent as a numeric string
  (proto3 JSON int64). ``flow_start_results``/``flow_stop_results`` are empty lists.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.rest.contact_map import OPT_STATUS
from app.sandbox.rest.conventions import (
    FilterField,
    Request,
    check_text,
    compile_filter,
    int_id,
    iso_time,
    now_iso,
    order_of,
    page_of,
)
from app.sandbox.rest.errors import bad_request, not_found
from app.sandbox.rest.record_common import (
    check_props,
    fetch,
    fetch_one,
    flag_field,
    opt_bool,
    page_rows,
    req_str,
    text_set_field,
)
from app.sandbox.rest.routes import RestContext, route
from app.sandbox.services import other
from app.sandbox.values import now_eastern

#: Store status -> REST ``EmailOptStatus`` (the contacts' e-mail addresses use the same map).
STATUS_NAMES = OPT_STATUS
ALL_STATUSES = frozenset({
    "UNENGAGED_MARKETABLE", "SINGLE_OPT_IN", "DOUBLE_OPT_IN", "CONFIRMED", "UNENGAGED_NON_MARKETABLE",
    "NON_MARKETABLE", "LOCKDOWN", "BOUNCE", "HARD_BOUNCE", "MANUAL", "ADMIN", "SYSTEM",
    "LIST_UNSUBSCRIBE", "FEEDBACK", "SPAM", "INVALID", "DEACTIVATED",
})
_OPTED_IN = "e.Status IN ('single', 'double')"
_FIRST_SEEN = " ".join(
    f"COALESCE((SELECT MIN(k.DateCreated) FROM \"Contact\" k WHERE k.{col} = e.Email), '9999'){sep}"
    for col, sep in (("Email", ","), ("EmailAddress2", ","), ("EmailAddress3", ""))
)
_CREATED = f"COALESCE(NULLIF(MIN({_FIRST_SEEN}), '9999'), e.DateChanged)"
_STATUS_TEXT = "CASE e.Status " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STATUS_NAMES.items()) + " END"
_SELECT = f'SELECT e.Email, e.Status, e.DateChanged, {_CREATED} AS Created FROM "_EmailStatus" e'


def _statuses(op: str, value: str) -> tuple[str, list[Any]]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    bad = [n for n in names if n not in ALL_STATUSES]
    if bad or not names:
        allowed = ", ".join(sorted(ALL_STATUSES))
        raise bad_request(f"statuses: {', '.join(bad) or 'empty'} is not one of {allowed}")
    stored = [k for k, v in STATUS_NAMES.items() if v in names]
    if not stored:
        return "0", []
    return f"e.Status IN ({', '.join('?' for _ in stored)})", stored


FILTERS = {
    "emails": text_set_field("e.Email"),
    "statuses": FilterField("e.Status", "custom", build=_statuses),
    "opted_in": flag_field(_OPTED_IN, f"NOT ({_OPTED_IN})"),
}
ORDER = {
    "email": "e.Email",
    "status": _STATUS_TEXT,
    "create_time": _CREATED,
    "last_click_time": "e.Email",
    "last_open_time": "e.Email",
    "last_sent_time": "e.Email",
}


def _status(row: dict[str, Any]) -> dict[str, Any]:
    stored = str(row.get("Status") or "unengaged")
    return {
        "email": str(row["Email"]),
        "opted_in": stored in other.OPT_STATUS,
        "status": STATUS_NAMES.get(stored, "UNENGAGED_NON_MARKETABLE"),
        "create_time": iso_time(row.get("Created")) or now_iso(),
    }


def _lookup(ctx: RestContext, email: str) -> dict[str, Any]:
    """The address's status row (or the implicit one of a contact's address); 404 if unknown."""
    address = check_text(email.strip(), "email")
    row = fetch_one(ctx.store, f"{_SELECT} WHERE e.Email = ?", [address])
    if row is not None:
        return row
    first = ctx.store.scalar(
        'SELECT MIN(DateCreated) FROM "Contact" WHERE Email = ? OR EmailAddress2 = ? OR EmailAddress3 = ?',
        (address, address, address),
    )
    if first is None and not ctx.store.scalar(
        'SELECT 1 FROM "Contact" WHERE Email = ? OR EmailAddress2 = ? OR EmailAddress3 = ? LIMIT 1',
        (address, address, address),
    ):
        raise not_found("EmailAddress", address)
    return {"Email": address, "Status": None, "Created": first}


@route("/emailAddresses", "GET")
def list_email_statuses(ctx: RestContext, req: Request) -> dict[str, Any]:
    page = page_of(req)
    where, params = compile_filter(req.param("filter"), FILTERS)
    order = order_of(req, ORDER, "e.Email")
    rows, token = page_rows(ctx.store, _SELECT, where, params, order, page)
    return {"email_addresses": [_status(r) for r in rows], "next_page_token": token}


@route("/emailAddresses/<email>/status", "GET")
def get_email_status(ctx: RestContext, req: Request, email: str) -> dict[str, Any]:
    return _status(_lookup(ctx, email))


@route("/emailAddresses/<email>/status", "PATCH")
def update_email_status(ctx: RestContext, req: Request, email: str) -> dict[str, Any]:
    body = req.json()
    check_props(body, {"opted_in", "reason"}, "UpdateEmailAddress")
    opted_in = opt_bool(body, "opted_in")
    if opted_in is None:
        raise bad_request("opted_in is required")
    reason = req_str(body, "reason")
    with ctx.store.tx():
        address = str(_lookup(ctx, email)["Email"])
        if opted_in:
            other.opt_in(ctx.xml, address, reason)
        else:
            other.opt_out(ctx.xml, address, reason)
        return _status(_lookup(ctx, address))


# --- goals ------------------------------------------------------------------------------------


def _result(success: bool, message: str, automation_id: Any = None, goal_id: Any = None) -> dict[str, Any]:
    item: dict[str, Any] = {"success": success, "message": message,
                            "flow_start_results": [], "flow_stop_results": []}
    if automation_id is not None:
        item["automation_id"] = int(automation_id)
    if goal_id is not None:
        item["goal_id"] = int(goal_id)
    return item


@route("/automations/goals/achieve", "POST")
def achieve_goal(ctx: RestContext, req: Request) -> dict[str, Any]:
    body = req.json()
    check_props(body, {"contact_id", "integration", "call_name", "automation_id", "goal_id"},
                "AchieveGoalRequest")
    if body.get("contact_id") is None:
        raise bad_request("contact_id is required")
    contact_id = int_id(body["contact_id"], "contact_id")
    by_name = any(body.get(k) is not None for k in ("integration", "call_name"))
    by_id = any(body.get(k) is not None for k in ("automation_id", "goal_id"))
    if by_name == by_id:
        raise bad_request("Send either integration and call_name, or automation_id and goal_id "
                          "(the two forms cannot be combined)")
    if by_name:
        integration, call_name = req_str(body, "integration"), req_str(body, "call_name")
    else:
        for key in ("automation_id", "goal_id"):
            if body.get(key) is None:
                raise bad_request(f"{key} is required with the automation_id/goal_id form")
        automation_id = int_id(body["automation_id"], "automation_id")
        goal_id = int_id(body["goal_id"], "goal_id")
    store = ctx.store
    with store.tx():
        if not store.exists("Contact", contact_id):
            raise not_found("Contact", contact_id)
        if by_name:
            goals = fetch(store, 'SELECT Id, CampaignId FROM "_Goal" WHERE Integration = ? AND CallName = ? '
                                 "ORDER BY Id", [integration, call_name])
            outcome = other.achieve_goal(ctx.xml, integration, call_name, contact_id)
            if not goals:
                return {"results": [_result(False, str(outcome[0]["msg"]))]}
            return {"results": [_result(bool(r["success"]), str(r["msg"]), g["CampaignId"], g["Id"])
                                for g, r in zip(goals, outcome, strict=True)]}
        goal = fetch_one(
            store, 'SELECT Id, Integration, CallName, Name, CampaignId FROM "_Goal" WHERE Id = ?', [goal_id]
        )
        if goal is None or goal["CampaignId"] != automation_id:
            return {"results": [_result(False, f"No goal {goal_id} found in automation {automation_id}",
                                        automation_id, goal_id)]}
        store.conn.execute(
            'INSERT INTO "_GoalAchieved" (GoalId, Integration, CallName, ContactId, DateCreated) '
            "VALUES (?, ?, ?, ?, ?)",
            (goal_id, goal["Integration"], goal["CallName"], contact_id, now_eastern()),
        )
        message = f"Goal {goal['Name']} achieved for contact {contact_id}"
        return {"results": [_result(True, message, automation_id, goal_id)]}
