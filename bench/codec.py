"""Benchmark: decoding one 1,000-row reply, XML-RPC against the stdlib, and the REST JSON path.

Decoding is CPU-bound Python that holds the GIL (and TagDesk's process-wide decode lock), so its
cost per 1,000-row page is what a full read, an export or a fast scroll pays on top of the network.

XML-RPC (issue 15): TagDesk turns a reply into Python values with
:func:`app.api.xmlrpc.replies.interpret`, exactly what ``XmlRpcClient`` calls on every reply: body
kind and status checks, then :func:`app.api.xmlrpc.codec.decode_response` (forbidden XML 1.0
characters removed, Latin-1 repair, carriage returns kept, any DTD refused; a page of flat rows
read straight from its text by ``app.api.xmlrpc.page_reader``, any other reply by the C parser
and our own reader; aware Eastern datetimes). The target is at most 0.6x the stdlib's time on
the same reply (about half). Peers in
the same run: the stdlib plain, the stdlib with ``use_builtin_types=True``, and the strongest
simple alternative that is as safe: TagDesk's own ``sanitize`` followed by ``xmlrpc.client.loads``
with ``defusedxml.xmlrpc`` monkey-patched in (expat with DTDs, entities and external references
refused). Every variant's result is checked to be the same values (datetimes compared as naive
wall-clock times) before anything is timed. TagDesk caches parsed timestamps across replies; its
headline figure clears that cache before each decode (a new page), the warm figure does not. A
diagnostic line decodes with the garbage collector paused (the app never does) to show its share.

The reply is the sandbox's own: a demo sandbox in this process (stopped before any timing),
``DataService.query("Contact", 1000, 0, {"Id": "%"}, <20 fields>, "Id", True)`` over HTTP, the
body bytes as TagDesk receives them. The 20 fields mix strings (names and addresses with
non-ASCII Latin-1 letters, "&" in company names; a few job titles are set to hold ``& < >``
first), ints, ``dateTime.iso8601`` in Keap's ``YYYYMMDDTHH:MM:SS``, doubles, empty strings. As in
Keap, a NULL field is left out of its struct, and query replies carry no ``<boolean>`` or
``<nil>`` (Yes/No custom fields are ints), so the reply has none of either. The demo stores a
few raw control characters (gotcha 6) that make ``xmlrpc.client.loads`` fail outright; they are
written back cleaned first, so every variant can read the same reply.

REST v2: the same 20 fields of 1,000 contacts from the sandbox's ``GET /rest/v2/contacts``
(``fields=`` as the backend asks, ``page_size=1000``), timed as (a) body bytes -> JSON through
:func:`app.api.rest.replies.interpret`, what ``RestClient`` runs (the stdlib ``json.loads``), next
to bare ``json.loads``, and (b) JSON -> rows through
:class:`app.api.rest.contact_fields.RowReader`, what ``RestBackend`` runs for a page (the wanted
columns worked out once, then each contact).

Each figure is the median over ``--runs`` runs (each timing ``--repeat`` decodes with
``time.perf_counter``, variants in rotating order, garbage collector on, as in the app), with
the min-max over runs. ``--profile`` prints a cProfile of TagDesk's XML-RPC decoder and the
garbage collections during those decodes (cProfile books their time to whatever C call runs).
Run: ``.venv/bin/python bench/codec.py [--runs 7] [--repeat 10] [--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import statistics
import sys
import time
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.benchkit import machine

ROWS = 1000
#: 20 Contact fields of the demo account: strings, ints, dateTimes, a double (Lifetime Value).
FIELDS = [
    "Id", "FirstName", "LastName", "Email", "Phone1", "StreetAddress1", "City", "State", "PostalCode",
    "Country", "Company", "CompanyID", "JobTitle", "ContactType", "DateCreated", "LastUpdated",
    "OwnerID", "Groups", "_RenewalDate", "_LifetimeValue",
]
#: Every n-th contact's job title is set to this first, so the reply holds escaped & < >.
MARKUP_TITLE = "Head of R&D <EMEA> & Sales"
MARKUP_EVERY = 25
#: The fields where the demo account stores raw control characters.
STORED_BADCHARS = ["StreetAddress1", "_UTMCampaign"]
TARGET = 0.6
XML_METHOD = "DataService.query"
REST_LABEL = "GET /rest/v2/contacts"


@dataclass
class Replies:
    """What the sandbox sent, and what the backend needs to turn REST contacts into rows."""

    xml: bytes
    xml_headers: dict[str, str]
    rest: bytes
    rest_headers: dict[str, str]
    custom: dict[str, Any]  # app field name -> CustomField


def fetch_replies() -> Replies:
    """Start a demo sandbox, fetch one XML-RPC and one REST page of 1,000 contacts, stop it."""
    from app.api.rest import RestClient
    from app.api.rest import contact_fields as cf
    from app.api.rest.backend import RestBackend
    from app.api.rest.transport import RestAuth, RestTransport, encode_params
    from app.api.xmlrpc.client import XmlRpcClient
    from app.api.xmlrpc.codec import encode_call
    from app.api.xmlrpc.transport import AuthMode, Transport
    from app.core.cancel import CancelToken
    from app.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(seed="demo")) as sb:
        sb.start()
        with XmlRpcClient(sb.url, sb.key) as client:
            ids = client.call(XML_METHOD, "Contact", ROWS, 0, {"Id": "%"}, ["Id"], "Id", True)
            assert isinstance(ids, list) and len(ids) == ROWS
            for row in ids[::MARKUP_EVERY]:
                client.call("DataService.update", "Contact", row["Id"], {"JobTitle": MARKUP_TITLE})
            # The demo stores a few raw control characters (gotcha 6) that the stdlib cannot parse
            # at all; TagDesk's reader drops them, and its cleaned text is written back here.
            for bad in (sb.store.meta("badchar_contacts") or "").split(","):
                if bad:
                    row = client.call("DataService.load", "Contact", int(bad), STORED_BADCHARS)
                    assert isinstance(row, dict)
                    client.call("DataService.update", "Contact", int(bad), row)
        transport = Transport(sb.url, sb.key, auth_mode=AuthMode.API_KEY)
        body = encode_call(XML_METHOD, ["tagdesk", "Contact", ROWS, 0, {"Id": "%"}, FIELDS, "Id", True])
        xml = transport.post(body, XML_METHOD)
        transport.close()
        assert xml.status == 200, xml.status

        rest_client = RestClient(sb.rest_host, sb.key)
        custom = {f.api_name: f for f in RestBackend(rest_client).custom_fields(CancelToken())}
        rest_client.close()
        rest_transport = RestTransport(sb.rest_host, sb.key, auth=RestAuth.HEADER)
        query = encode_params({"fields": ",".join(cf.properties_for(FIELDS)), "page_size": ROWS})
        rest = rest_transport.send("GET", "/rest/v2/contacts", query, None, REST_LABEL)
        rest_transport.close()
        assert rest.status == 200, rest.status
    return Replies(xml.body, xml.headers, rest.body, rest.headers, custom)


# --- comparing results --------------------------------------------------------------------------


def normalise(value: object) -> object:
    """Comparable form: datetimes as naive wall-clock, xmlrpc.client types as builtins."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, xmlrpc.client.DateTime):
        return datetime.strptime(value.value, "%Y%m%dT%H:%M:%S")
    if isinstance(value, xmlrpc.client.Binary):
        return value.data
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    return value


def count_types(value: object, counts: dict[str, int]) -> None:
    if isinstance(value, dict):
        for item in value.values():
            count_types(item, counts)
    elif isinstance(value, list):
        for item in value:
            count_types(item, counts)
    else:
        counts[type(value).__name__] = counts.get(type(value).__name__, 0) + 1


# --- timing -------------------------------------------------------------------------------------


@dataclass
class Variant:
    name: str
    fn: Callable[[], object]
    per_call: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.per_call)


def measure(variants: list[Variant], runs: int, repeat: int) -> None:
    """``runs`` rounds; in each, every variant (in rotating order) decodes ``repeat`` times."""
    for v in variants:
        v.fn()  # warm-up: imports, regex compilation, first-call caches
    for run in range(runs):
        order = variants[run % len(variants):] + variants[:run % len(variants)]
        for v in order:
            gc.collect()
            t0 = time.perf_counter()
            for _ in range(repeat):
                v.fn()
            v.per_call.append((time.perf_counter() - t0) / repeat)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def report(title: str, variants: list[Variant], baseline: Variant) -> None:
    print(title)
    width = max(len(v.name) for v in variants)
    for v in variants:
        ratio = v.median / baseline.median
        print(f"  {v.name:<{width}}  {ms(v.median)}  (min-max {min(v.per_call) * 1000:.2f}-"
              f"{max(v.per_call) * 1000:.2f})  {ratio:5.2f}x stdlib")


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per variant; medians are over these")
    parser.add_argument("--repeat", type=int, default=10, help="decodes timed together in one run")
    parser.add_argument("--profile", action="store_true", help="cProfile TagDesk's XML-RPC decoder")
    args = parser.parse_args(argv)

    import defusedxml.xmlrpc

    from app.api.quota import QuotaInfo
    from app.api.rest import contact_fields as cf
    from app.api.rest import replies as rest_replies
    from app.api.rest.contact_pages import items_of
    from app.api.xmlrpc import codec, reader
    from app.api.xmlrpc import replies as xml_replies
    from app.api.xmlrpc.transport import HttpReply

    print(machine())
    t0 = time.perf_counter()
    got = fetch_replies()
    setup = time.perf_counter() - t0

    # -- XML-RPC -------------------------------------------------------------------------------
    xml_reply = HttpReply(200, got.xml_headers, got.xml, 0.0)
    clear_dates = reader.datetime_text.cache_clear

    def tagdesk() -> object:
        clear_dates()  # a new page: no timestamps cached from the previous decode
        return xml_replies.interpret(xml_reply, XML_METHOD)

    def tagdesk_warm() -> object:
        return xml_replies.interpret(xml_reply, XML_METHOD)

    def tagdesk_no_gc() -> object:
        clear_dates()
        gc.disable()
        try:
            return xml_replies.interpret(xml_reply, XML_METHOD)
        finally:
            gc.enable()

    def stdlib() -> object:
        return xmlrpc.client.loads(got.xml)[0][0]

    def stdlib_builtin() -> object:
        return xmlrpc.client.loads(got.xml, use_builtin_types=True)[0][0]

    def defused() -> object:
        defusedxml.xmlrpc.monkey_patch()
        try:
            cleaned, _ = codec.sanitize(got.xml)
            return xmlrpc.client.loads(cleaned, use_builtin_types=True)[0][0]
        finally:
            defusedxml.xmlrpc.unmonkey_patch()

    xml_variants = [
        Variant("TagDesk interpret (XmlRpcClient's path)", tagdesk, []),
        Variant("TagDesk, date cache warm", tagdesk_warm, []),
        Variant("TagDesk, GC paused (diagnostic only)", tagdesk_no_gc, []),
        Variant("xmlrpc.client.loads", stdlib, []),
        Variant("xmlrpc.client.loads(use_builtin_types)", stdlib_builtin, []),
        Variant("sanitize + defusedxml.xmlrpc loads", defused, []),
    ]
    reference = tagdesk()
    assert isinstance(reference, list) and len(reference) == ROWS, "the reply is not 1,000 rows"
    assert all(isinstance(d, datetime) and d.tzinfo is not None
               for row in reference for d in row.values() if isinstance(d, datetime))
    expected = normalise(reference)
    for v in xml_variants[1:]:
        assert normalise(v.fn()) == expected, f"{v.name} decodes to other values than TagDesk"
    assert xmlrpc.client.FastParser is None, "defusedxml's monkey patch was left in place"
    types: dict[str, int] = {}
    count_types(reference, types)
    titles = sum(1 for row in reference if row.get("JobTitle") == MARKUP_TITLE)
    non_ascii = sum(1 for row in reference for s in row.values() if isinstance(s, str) and not s.isascii())
    empty = sum(1 for row in reference for s in row.values() if s == "")

    # -- REST ----------------------------------------------------------------------------------
    rest_reply = HttpReply(200, got.rest_headers, got.rest, 0.0)
    quota = QuotaInfo()

    def rest_client() -> object:
        return rest_replies.interpret(rest_reply, REST_LABEL, http_method="GET", quota=quota)

    def rest_stdlib() -> object:
        return json.loads(got.rest)

    payload = rest_client()
    assert payload == rest_stdlib()
    contacts, _token = items_of(payload, "contacts")
    assert len(contacts) == ROWS, f"REST page holds {len(contacts)} contacts"

    def rest_rows() -> object:
        read = cf.RowReader(FIELDS, got.custom)  # as the backend reads a page
        return [read(item) for item in items_of(payload, "contacts")[0]]

    rows = rest_rows()
    assert isinstance(rows, list)
    rest_values = sum(len(r) for r in rows)
    json_variants = [
        Variant("RestClient interpret (json.loads inside)", rest_client, []),
        Variant("json.loads", rest_stdlib, []),
    ]
    row_variant = Variant("RowReader x 1,000 (RestBackend's conversion)", rest_rows, [])

    print(f"XML-RPC reply: {XML_METHOD}, {len(reference):,} rows x {len(FIELDS)} fields asked, "
          f"{sum(len(r) for r in reference):,} values (NULLs left out), {len(got.xml) / 1e6:.2f} MB; "
          + ", ".join(f"{n} {k}" for k, n in sorted(types.items(), key=lambda kv: -kv[1]))
          + f"; {non_ascii} non-ASCII strings, {empty} empty, {titles} with & < >")
    print(f"REST reply: {REST_LABEL}, {len(contacts):,} contacts, {len(got.rest) / 1e6:.2f} MB -> "
          f"{rest_values:,} row values")
    print(f"sandbox set-up {setup:.1f} s (not timed); {args.runs} runs x {args.repeat} decodes each; "
          "every variant checked to give the same values")

    started = time.perf_counter()
    measure(xml_variants + json_variants + [row_variant], args.runs, args.repeat)
    report("XML-RPC, per decode of the 1,000-row reply (median, min-max over runs):",
           xml_variants, xml_variants[3])
    report("REST (a) body -> JSON, per decode:", json_variants, json_variants[1])
    print("REST (b) JSON -> rows:")
    print(f"  {row_variant.name}  {ms(row_variant.median)}  (min-max {min(row_variant.per_call) * 1000:.2f}-"
          f"{max(row_variant.per_call) * 1000:.2f}); {row_variant.median / ROWS * 1e6:.1f} µs per row")
    print(f"timing took {time.perf_counter() - started:.1f} s")

    ratio = xml_variants[0].median / xml_variants[3].median
    passed = ratio <= TARGET
    print(f"{'PASS' if passed else 'FAIL'}  TagDesk's XML-RPC decoder <= {TARGET}x the stdlib's time "
          f"(target about half): {ratio:.2f}x")

    if args.profile:
        profile(tagdesk, args.repeat)
    return 0 if passed else 1


def profile(decode: Callable[[], object], repeat: int) -> None:
    """cProfile of ``repeat`` decodes, then the garbage collector's share (cProfile cannot show it)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        decode()
    profiler.disable()
    print(f"\ncProfile of {repeat} TagDesk decodes (tottime, top 25):")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)

    counts, spent, started = [0, 0, 0], [0.0, 0.0, 0.0], [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            counts[info["generation"]] += 1
            spent[info["generation"]] += time.perf_counter() - started[0]

    gc.collect()
    gc.callbacks.append(on_gc)
    t0 = time.perf_counter()
    for _ in range(repeat):
        decode()
    total = time.perf_counter() - t0
    gc.callbacks.remove(on_gc)
    print(f"garbage collector during {repeat} decodes ({total / repeat * 1000:.1f} ms each): "
          + ", ".join(f"gen{g} {counts[g] / repeat:.1f} collections {spent[g] / repeat * 1000:.1f} ms"
                      for g in range(3))
          + f" per decode; {sum(spent) / total:.0%} of the time")


if __name__ == "__main__":
    sys.exit(main())
