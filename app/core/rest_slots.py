"""Keap REST v2 contact slots <-> the XML-RPC contact columns they hold.

One table for the app's REST client and the sandbox's REST face, because it is one fact
about Keap [V spec, pairing I: keap-rest-v2.md section 6]: REST keeps e-mails, phones,
faxes and addresses in arrays keyed by a ``field`` slot, XML-RPC in numbered columns.
"""

from __future__ import annotations

#: E-mail slot -> contact column.
EMAIL_SLOTS = {"EMAIL1": "Email", "EMAIL2": "EmailAddress2", "EMAIL3": "EmailAddress3"}
#: Phone slot -> (number, type, extension) columns.
PHONE_SLOTS = {f"PHONE{n}": (f"Phone{n}", f"Phone{n}Type", f"Phone{n}Ext") for n in range(1, 6)}
#: Fax slot -> (number, type) columns.
FAX_SLOTS = {"FAX1": ("Fax1", "Fax1Type"), "FAX2": ("Fax2", "Fax2Type")}
#: The keys of a REST address, in the order of :data:`ADDRESS_SLOTS`' columns.
ADDRESS_KEYS = ("line1", "line2", "locality", "region", "postal_code", "zip_four", "country")
#: Address slot -> columns for line1, line2, locality, region, postal_code, zip_four, country.
ADDRESS_SLOTS = {
    "BILLING": ("StreetAddress1", "StreetAddress2", "City", "State", "PostalCode", "ZipFour1", "Country"),
    "SHIPPING": (
        "Address2Street1", "Address2Street2", "City2", "State2", "PostalCode2", "ZipFour2", "Country2",
    ),
    "OTHER": ("Address3Street1", "Address3Street2", "City3", "State3", "PostalCode3", "ZipFour3", "Country3"),
}
