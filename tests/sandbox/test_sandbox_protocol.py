"""Endpoints, authentication modes and method dispatch, driven with the stdlib ServerProxy."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import pytest
from sandbox_helpers import KeyTransport, fault_of, proxy, raw_post, rpc_body

from app.sandbox import Sandbox, SandboxConfig


def test_echo_takes_no_key_on_the_legacy_endpoint(demo: Sandbox) -> None:
    with proxy(demo, legacy=True) as p:
        assert p.DataService.echo("hello Zoë") == "hello Zoë"
        # a key as first parameter is one parameter too many
        fault = fault_of(p.DataService.echo, demo.key, "hello")
        assert fault.faultString == "No method matching arguments: java.lang.String, java.lang.String"


def test_echo_on_the_shared_endpoint_needs_the_header_key_but_no_parameter(demo: Sandbox) -> None:
    with proxy(demo) as p:
        assert p.DataService.echo("ping") == "ping"
    with proxy(demo, key="") as p:
        assert fault_of(p.DataService.echo, "ping").faultCode == 2


@pytest.mark.parametrize(
    "mode", ["X-Keap-API-Key", "x-keap-api-key", "X-Keap-Api-Key", "bearer", "access_token", "legacy"]
)
def test_every_auth_mode_is_accepted(demo: Sandbox, mode: str) -> None:
    fields = ["Id", "GroupName"]
    if mode == "legacy":
        with proxy(demo, legacy=True) as p:
            rows = p.DataService.query(demo.key, "ContactGroup", 3, 0, {}, fields)
    elif mode == "bearer":
        with proxy(demo, header="Authorization", key=f"Bearer {demo.key}") as p:
            rows = p.DataService.query("backwards-compatability", "ContactGroup", 3, 0, {}, fields)
    elif mode == "access_token":
        with proxy(demo, key="", url=f"{demo.url}?access_token={demo.key}") as p:
            rows = p.DataService.query("anything", "ContactGroup", 3, 0, {}, fields)
    else:
        with proxy(demo, header=mode) as p:
            rows = p.DataService.query(demo.key, "ContactGroup", 3, 0, {}, fields)
    assert len(rows) == 3


@pytest.mark.parametrize("how", ["no header", "wrong header", "wrong legacy key", "missing legacy key"])
def test_wrong_or_missing_key_is_fault_2(demo: Sandbox, how: str) -> None:
    if how.startswith("no") or how.startswith("wrong header"):
        with proxy(demo, key="" if how == "no header" else "KeapAK-wrong") as p:
            fault = fault_of(p.DataService.count, "x", "Contact", {})
    else:
        with proxy(demo, legacy=True) as p:
            if how == "wrong legacy key":
                fault = fault_of(p.DataService.count, "KeapAK-wrong", "Contact", {})
            else:
                fault = fault_of(p.DataService.count, "Contact", {})
    assert (fault.faultCode, fault.faultString) == (2, "[InvalidKey]Invalid key")


def test_the_first_parameter_is_required_on_the_shared_endpoint(rpc: Any) -> None:
    fault = fault_of(rpc.DataService.count, "Contact", {})
    assert (fault.faultCode, fault.faultString) == (
        0,
        "No method matching arguments: java.lang.String, java.util.HashMap",
    )
    assert rpc.DataService.count("placeholder", "Contact", {}) > 0


def test_unknown_method_is_no_such_handler(rpc: Any) -> None:
    fault = fault_of(rpc.APIEmailService.sendTemplate, "x", 1)
    assert (fault.faultCode, fault.faultString) == (0, "No such handler: APIEmailService.sendTemplate")
    assert (
        fault_of(rpc.DataService.queryWithOrderBy, "x").faultString
        == "No such handler: DataService.queryWithOrderBy"
    )


def test_wrong_argument_types_give_java_type_list(rpc: Any) -> None:
    fault = fault_of(rpc.DataService.load, "x", "Contact", "12", ["Id"])
    assert fault.faultCode == 0
    assert fault.faultString == (
        "No method matching arguments: "
        "java.lang.String, java.lang.String, java.lang.String, [Ljava.lang.Object;"
    )
    fault = fault_of(rpc.DataService.count, "Contact", 5)  # key forgotten: a String and an Integer
    assert fault.faultString == "No method matching arguments: java.lang.String, java.lang.Integer"


def test_query_takes_five_or_seven_arguments(rpc: Any) -> None:
    five = rpc.DataService.query("x", "ContactGroup", 5, 0, {}, ["Id"])
    seven = rpc.DataService.query("x", "ContactGroup", 5, 0, {}, ["Id"], "Id", False)
    assert [r["Id"] for r in five] == sorted(r["Id"] for r in five)
    assert [r["Id"] for r in seven] == sorted((r["Id"] for r in seven), reverse=True)
    fault = fault_of(rpc.DataService.query, "x", "ContactGroup", 5, 0, {}, ["Id"], "Id")
    assert fault.faultString.startswith("No method matching arguments:")


def test_nil_is_not_accepted(demo: Sandbox) -> None:
    with xmlrpc.client.ServerProxy(
        demo.url, transport=KeyTransport({"X-Keap-API-Key": demo.key}), allow_none=True
    ) as p:
        fault = fault_of(p.DataService.update, "x", "Contact", 1, {"FirstName": None})
    assert fault.faultString == "Failed to parse XML-RPC request: Unknown type: nil"


def test_empty_request_body_is_a_parse_fault(demo: Sandbox) -> None:
    status, headers, body = raw_post(demo, "/crm/xmlrpc/v1", b"", {"X-Keap-API-Key": demo.key})
    assert status == 200 and headers["content-type"].startswith("text/xml")
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.loads(body)
    assert info.value.faultString == "Failed to parse XML-RPC request: Premature end of file."


def test_without_linked_contacts_the_link_methods_do_not_exist() -> None:
    with Sandbox(SandboxConfig(seed="empty", linked_contacts=False)) as sb, proxy(sb) as p:
        for name in ("linkContacts", "unlinkContacts", "listLinkedContacts"):
            fault = fault_of(getattr(p.ContactService, name), "x", 1)
            assert fault.faultString == f"No such handler: ContactService.{name}"


def test_get_requests_on_the_endpoint_are_refused(demo: Sandbox) -> None:
    from sandbox_helpers import raw_get

    assert raw_get(demo, "/crm/xmlrpc/v1")[0] == 405
    assert raw_get(demo, "/nothing")[0] == 404
    assert raw_post(demo, "/api/xmlrpc", rpc_body("DataService.echo", "x"))[0] == 200
