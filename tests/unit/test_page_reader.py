"""The page reader (a page of flat rows read from the text) gives exactly what the tree reader
gives, and leaves every other reply to the parser."""

from __future__ import annotations

import pytest

from app.api.errors import MalformedResponseError
from app.api.xmlrpc import codec
from app.api.xmlrpc.page_reader import read_page
from app.api.xmlrpc.reader import convert


def page(*rows: str, head: str = "<?xml version='1.0'?>\n", gap: str = "\n") -> bytes:
    structs = gap.join(f"<value><struct>{r}</struct></value>" for r in rows)
    return (f"{head}<methodResponse>{gap}<params>{gap}<param>{gap}<value><array><data>{gap}{structs}{gap}"
            f"</data></array></value>{gap}</param>{gap}</params>{gap}</methodResponse>{gap}").encode()


def member(name: str, value: str) -> str:
    return f"<member><name>{name}</name><value>{value}</value></member>"


def by_tree(body: bytes) -> object:
    return convert(codec._parse(body))


ACCEPTED = {
    "typed values": page(member("Id", "<i4>7</i4>") + member("Big", "<i8>9007199254740993</i8>")
                         + member("FirstName", "<string>Zoë</string>")
                         + member("Score", "<double>2.5</double>")
                         + member("Opted", "<boolean>1</boolean>")
                         + member("LastUpdated", "<dateTime.iso8601>20261130T23:59:59</dateTime.iso8601>")),
    "untyped and empty": page(member("A", "plain text") + member("B", "") + member("C", "<string></string>")),
    "references": page(member("Company", "<string>A &amp; B &lt;x&gt; &quot;q&quot; &apos;</string>")
                       + member("Note", "<string>caf&#233; &#x41;&#13;</string>")
                       + member("Untyped", "x &amp; y")),
    "spaces kept in strings": page(member("Name", "<string>  two  spaces  </string>")
                                   + member("Num", "<int> 42 </int>")),
    "a repeated name: the last wins": page(member("Id", "<int>1</int>") + member("Id", "<int>2</int>")),
    "several rows, no whitespace": page(member("Id", "<int>1</int>"), member("Id", "<int>2</int>"), "",
                                        head="", gap=""),
    "no rows": page(),
    "a row longer than a slice": page(member("Id", "<int>1</int>"), member("Notes", "<string>" + "x" * 200_000
                                                                         + "</string>"),
                                      *(member("Id", f"<int>{i}</int>") for i in range(3_000))),
    "a date Keap wrote with a short year": page(member("D", "<dateTime.iso8601>9990101T00:00:00"
                                                           "</dateTime.iso8601>")),
}


@pytest.mark.parametrize("body", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_plain_page_is_read_from_the_text_as_the_tree_reads_it(body: bytes) -> None:
    fast = read_page(body)
    assert fast is not None
    assert fast == by_tree(body)
    assert codec.decode_response(body) == fast


DECLINED = {
    "a fault": b"<?xml version='1.0'?><methodResponse><fault><value><struct>"
               + member("faultCode", "<int>2</int>").encode() + b"</struct></value></fault></methodResponse>",
    "a nested struct": page(member("Inner", "<struct>" + member("X", "<int>1</int>") + "</struct>")),
    "an array value": page(member("List", "<array><data><value><int>1</int></value></data></array>")),
    "attributes": page(member("A", '<string lang="en">x</string>')),
    "a comment": page(member("A", "<string>x</string>") + "<!-- note -->"),
    "CDATA": page(member("A", "<string><![CDATA[x]]></string>")),
    "an empty element": page(member("A", "<string/>")),
    "an entity XML does not know": page(member("A", "<string>a&nbsp;b</string>")),
    "a stray ampersand": page(member("A", "<string>a & b</string>")),
    "whitespace around a typed value": page(member("A", " <string>x</string> ")),
    "a namespaced nil": page(member("A", "<ex:nil/>")),
    "not a list": b"<methodResponse><params><param><value><string>ok</string></value></param></params>"
                  b"</methodResponse>",
    "a reference past Unicode": page(member("A", "<string>&#x110000;</string>")),
    "not UTF-8": page(member("A", "<string>x</string>")).replace(b"x", b"\xe9"),
    "trailing garbage": page(member("A", "<string>x</string>")) + b"<junk>",
    "text between members": page(member("A", "<string>x</string>") + "junk" + member("B", "<int>1</int>")),
    "a member between rows": page(member("A", "<int>1</int>")).replace(
        b"</struct></value>", b"</struct></value>" + member("B", "<int>2</int>").encode()),
    "a row inside a row": page(member("A", "<int>1</int>") + "<value><struct>"),
    "a row that ends twice": page(member("A", "<int>1</int>") + "</struct></value>"),
    "a row that never ends": page(member("A", "<int>1</int>")).replace(b"</struct></value>", b""),
}


@pytest.mark.parametrize("body", DECLINED.values(), ids=DECLINED.keys())
def test_any_other_reply_is_left_to_the_parser(body: bytes) -> None:
    assert read_page(body) is None


def test_a_value_its_type_cannot_hold_is_a_malformed_reply_either_way() -> None:
    body = page(member("Id", "<int>seven</int>"))
    with pytest.raises(MalformedResponseError) as caught:
        codec.decode_response(body)
    assert "not an integer" in str(caught.value.detail)


def test_the_sandbox_s_own_pages_read_the_same_both_ways(demo_sandbox, monkeypatch) -> None:
    """Real replies as the client receives them: 20 fields with non-ASCII names, ``& < >``,
    raw control characters (cleaned first), dates, blanks; every one read from the text."""
    from app.api.ratelimit import Limits
    from app.api.xmlrpc import XmlRpcClient, replies

    bodies: list[bytes] = []
    decode = replies.decode_response
    monkeypatch.setattr(replies, "decode_response", lambda body: bodies.append(body) or decode(body))
    fields = ["Id", "FirstName", "LastName", "Email", "Company", "JobTitle", "City", "Country", "Phone1",
              "DateCreated", "LastUpdated", "Birthday", "OwnerID", "Leadsource", "StreetAddress1",
              "PostalCode", "State", "Title", "Website", "Nickname"]
    client = XmlRpcClient(demo_sandbox.url, demo_sandbox.key, limits=Limits(None, None, None))
    try:
        for page_number in range(3):
            client.call("DataService.query", "Contact", 1000, page_number, {"Id": "%"}, fields, "Id", True)
    finally:
        client.close()
    assert len(bodies) == 3
    for body in bodies:
        cleaned, _ = codec.sanitize(body)
        prepared = codec._keep_carriage_returns(codec._repair_utf8(cleaned))
        fast = read_page(prepared)
        assert fast is not None and len(fast) > 0 and fast == by_tree(prepared)
