"""The Keap (Infusionsoft) XML-RPC table schema, spelled exactly as Keap spells it.

One source of truth for table names, field names, field types and access letters
(E=edit, D=delete, A=add, R=read), taken from ``keap-xmlrpc.md`` section 3. Both the
client (to correct case and refuse unknown fields before a call leaves the machine)
and the sandbox (to emulate the server) read it. Field names are case-sensitive on
the server and some spell Id as ID (``CompanyID``, ``Lead.ContactID``): this module
is where that knowledge lives, so nothing else hard-codes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum


class FieldType(StrEnum):
    """Server-side field types; they decide the XML-RPC type of a returned value."""

    STRING = "String"
    INTEGER = "Integer"
    DOUBLE = "Double"
    DATE = "Date"
    DATETIME = "DateTime"
    BLOB = "Blob"


@dataclass(frozen=True)
class FieldDef:
    """One field of a table: exact name, type and access letters."""

    name: str
    type: FieldType = FieldType.STRING
    access: str = ""  # empty: inherits the table's access
    description: str = ""

    def can(self, letter: str, table_access: str) -> bool:
        return letter in (self.access or table_access)


@dataclass(frozen=True)
class TableDef:
    """One table: legacy name, friendly name, access letters and fields by exact name."""

    name: str
    friendly: str
    access: str
    fields: dict[str, FieldDef]
    has_id: bool = True
    custom_field_form_id: int | None = None
    note: str = ""
    _lower: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._lower.update({name.lower(): name for name in self.fields})

    @property
    def readable(self) -> bool:
        return "R" in self.access

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name)

    def exact_name(self, name: str) -> str | None:
        """The exactly spelled field for a name given in any case, or None."""
        return self._lower.get(name.lower())

    def is_writable(self, name: str, letter: str = "E") -> bool:
        fd = self.fields.get(name)
        return fd is not None and fd.can(letter, self.access)

    @property
    def read_only_fields(self) -> frozenset[str]:
        return frozenset(
            n for n, f in self.fields.items() if not (f.can("E", self.access) or f.can("A", self.access))
        )


def _fields(spec: str) -> dict[str, FieldDef]:
    """Parse ``Name[:Type][:Access]`` items separated by commas and whitespace."""
    out: dict[str, FieldDef] = {}
    for raw in spec.replace("\n", " ").split(","):
        item = raw.strip()
        if not item:
            continue
        parts = item.split(":")
        name = parts[0]
        ftype = FieldType(parts[1]) if len(parts) > 1 and parts[1] else FieldType.STRING
        access = parts[2] if len(parts) > 2 else ""
        out[name] = FieldDef(name, ftype, access)
    return out


_CONTACT_COMMON = """
Address1Type, Address2Street1, Address2Street2, Address2Type, Address3Street1, Address3Street2,
Address3Type, Anniversary:Date, AssistantName, AssistantPhone, BillingInformation, Birthday:Date,
City, City2, City3, Company, AccountId:Integer, CompanyID:Integer, ContactNotes, ContactType,
Country, Country2, Country3, CreatedBy:Integer:R, DateCreated:DateTime:R, Email, EmailAddress2,
EmailAddress3, Fax1, Fax1Type, Fax2, Fax2Type, FirstName, Groups::R, Id:Integer:R, JobTitle,
LastName, LastUpdated:DateTime:R, LastUpdatedBy:Integer:R, MiddleName, Nickname,
OwnerID:Integer, Password, Phone1, Phone1Ext, Phone1Type, Phone2, Phone2Ext, Phone2Type, Phone3,
Phone3Ext, Phone3Type, Phone4, Phone4Ext, Phone4Type, Phone5, Phone5Ext, Phone5Type, PostalCode,
PostalCode2, PostalCode3, ReferralCode, SpouseName, State, State2, State3, StreetAddress1,
StreetAddress2, Suffix, Title, Username, Validated::R, Website, ZipFour1, ZipFour2, ZipFour3
"""

_TABLE_LIST: list[TableDef] = [
    TableDef(
        "Contact", "Contacts", "EDAR",
        _fields(_CONTACT_COMMON + ", Leadsource::ERA, LeadSourceId:Integer:ERA, Language, TimeZone"),
        custom_field_form_id=-1,
        note="Groups is a read-only comma-separated list of tag ids; AccountId is CompanyID.",
    ),
    TableDef("Company", "Companies", "EDAR", _fields(_CONTACT_COMMON), custom_field_form_id=-6),
    TableDef(
        "User", "Users", "R",
        _fields("""City, Email, EmailAddress2, EmailAddress3, FirstName, HTMLSignature, Id:Integer,
        LastName, MiddleName, Nickname, Phone1, Phone1Ext, Phone1Type, Phone2, Phone2Ext, Phone2Type,
        PostalCode, Signature, SpouseName, State, StreetAddress1, StreetAddress2, Suffix, Title,
        ZipFour1, Partner:Integer"""),
    ),
    TableDef(
        "ContactGroup", "Tags", "EAR",
        _fields("Id:Integer:R, GroupName, GroupCategoryId:Integer, GroupDescription"),
        note="Tags cannot be deleted over XML-RPC.",
    ),
    TableDef(
        "ContactGroupCategory", "Tag categories", "EAR",
        _fields("Id:Integer:R, CategoryName, CategoryDescription"),
    ),
    TableDef(
        "ContactGroupAssign", "Tag assignments", "R",
        _fields("GroupId:Integer, ContactGroup, DateCreated:DateTime, ContactId:Integer"),
        has_id=False,
        note="No Id column; written only through ContactService.addToGroup/removeFromGroup.",
    ),
    TableDef("DataFormTab", "Custom field tabs", "R", _fields("Id:Integer, FormId:Integer, TabName")),
    TableDef("DataFormGroup", "Custom field headers", "R", _fields("Id:Integer, TabId:Integer, Name")),
    TableDef(
        "DataFormField", "Custom field definitions", "RE",
        _fields("""DataType:Integer:R, Id:Integer:R, FormId:Integer:R, GroupId:Integer, Name, Label,
        DefaultValue, Values, ListRows:Integer, UserGroup:Integer"""),
        note="Name is stored without the leading underscore; the API field is '_' + Name.",
    ),
    TableDef(
        "Lead", "Opportunities", "EDAR",
        _fields("""Id:Integer:R, OpportunityTitle, ContactID:Integer, AffiliateId:Integer, UserID:Integer,
        StageID:Integer, StatusID:Integer, Leadsource::RA, Objection, ProjectedRevenueLow:Double,
        ProjectedRevenueHigh:Double, OpportunityNotes, DateCreated:DateTime:ERD,
        LastUpdated:DateTime:ERD, LastUpdatedBy:Integer, CreatedBy:Integer, EstimatedCloseDate:Date,
        NextActionDate:DateTime, NextActionNotes"""),
        custom_field_form_id=-4,
    ),
    TableDef(
        "Stage", "Opportunity stages", "R",
        _fields("Id:Integer, StageName, StageOrder:Integer, TargetNumDays:Integer"),
    ),
    TableDef(
        "Job", "Orders", "EAR",
        _fields("""Id:Integer:R, JobTitle, ContactId:Integer, StartDate:Date, DueDate:Date, JobNotes,
        ProductId:Integer, JobStatus, DateCreated:DateTime:R, InvoiceId:Integer, OrderType,
        OrderStatus:Integer, ShipFirstName, ShipMiddleName, ShipLastName, ShipCompany, ShipPhone,
        ShipStreet1, ShipStreet2, ShipCity, ShipState, ShipZip, ShipCountry, JobRecurringId:Integer,
        LastUpdated:DateTime:R"""),
        custom_field_form_id=-9,
        note="Orders cannot be deleted over XML-RPC.",
    ),
    TableDef(
        "OrderItem", "Order items", "R",
        _fields("""Id:Integer, OrderId:Integer, ProductId:Integer, ItemName, Qty:Integer, CPU:Double,
        PPU:Double, ItemDescription, InvoiceItemId:Integer, ItemType:Integer,
        SubscriptionPlanId:Integer, Notes"""),
        note="Order items cannot be edited or deleted over the API.",
    ),
    TableDef(
        "Invoice", "Invoices", "R",
        _fields("""Id:Integer, ContactId:Integer, DateCreated:DateTime, InvoiceTotal:Double,
        TotalPaid:Double, TotalDue:Double, PayStatus:Integer, CreditStatus:Integer,
        RefundStatus:Integer, PayPlanStatus:Integer, AffiliateId:Integer, LeadAffiliateId:Integer,
        PromoCode, InvoiceType, Description, ProductSold, Synced:Integer, JobId:Integer,
        LastUpdated:DateTime"""),
    ),
    TableDef(
        "InvoiceItem", "Invoice items", "R",
        _fields("""Id:Integer, InvoiceId:Integer, InvoiceAmt:Double, Discount:Double,
        DateCreated:DateTime, Description, CommissionStatus:Integer, OrderItemId:Integer"""),
    ),
    TableDef(
        "RecurringOrder", "Subscriptions", "EAR",
        _fields("""Id:Integer:R, ContactId:Integer, ProgramId:Integer, StartDate:Date, EndDate:Date,
        LastBillDate:Date, NextBillDate:Date:R, PaidThruDate:Date, BillingCycle, Frequency:Integer,
        BillingAmt:Double, Status, ReasonStopped, AutoCharge:Integer, CC1:Integer, CC2:Integer,
        NumDaysBetweenRetry:Integer, MaxRetry:Integer, MerchantAccountId:Integer,
        AffiliateId:Integer, PromoCode, LeadAffiliateId:Integer, Qty:Integer,
        OriginatingOrderId:Integer, SubscriptionPlanId:Integer, ProductId:Integer"""),
        custom_field_form_id=-10,
        note="Subscriptions cannot be deleted over XML-RPC.",
    ),
    TableDef(
        "ContactAction", "Notes, tasks and appointments", "EDAR",
        _fields("""Id:Integer:R, ContactId:Integer, OpportunityId:Integer, ActionType,
        ActionDescription, CreationDate:DateTime, CreationNotes, CompletionDate:DateTime,
        ActionDate:DateTime, EndDate:DateTime, PopupDate:DateTime, UserID:Integer, Accepted:Integer,
        CreatedBy:Integer, LastUpdated:DateTime:R, LastUpdatedBy:Integer:R, Priority:Integer,
        IsAppointment:Integer, ObjectType"""),
        custom_field_form_id=-5,
    ),
    TableDef(
        "Product", "Products", "AER",
        _fields("""Id:Integer:R, ProductName, ProductPrice:Double, Sku, ShortDescription,
        Taxable:Integer, Weight:Double, IsPackage:Integer, NeedsDigitalDelivery:Integer,
        SubCategory:Integer, Description, HideInStore:Integer, Status:Integer, TopHTML, BottomHTML,
        ShippingTime, LargeImage:Blob, InventoryNotifiee, InventoryLimit:Integer, Shippable:Integer"""),
    ),
    TableDef(
        "ProductOptionValue", "Product option values", "R",
        _fields("""Id:Integer, IsDefault:Integer, Label, Name, OptionIndex:Integer,
        PriceAdjustment:Double, ProductOptionId:Integer, Sku"""),
    ),
    TableDef(
        "LinkedContactType", "Linked contact types", "R",
        _fields("Id:Integer, TypeName, MaxLinked:Integer"),
    ),
    TableDef("Campaign", "Campaigns", "R", _fields("Id:Integer, Name, Status")),
    TableDef(
        "LeadSource", "Lead sources", "EAR",
        _fields("""Id:Integer:R, Name, Description, StartDate:Date, EndDate:Date, CostPerLead,
        Status, Vendor, Medium, Message, LeadSourceCategoryId:Integer"""),
    ),
]

TABLES: dict[str, TableDef] = {t.name: t for t in _TABLE_LIST}
_TABLES_LOWER = {name.lower(): name for name in TABLES}

#: Tables the API cannot delete from (the capability registry explains each).
NO_DELETE_TABLES = frozenset(n for n, t in TABLES.items() if "D" not in t.access)

#: FormId of DataFormField rows per record table.
FORM_IDS: dict[int, str] = {
    -1: "Contact", -3: "Affiliate", -4: "Lead", -5: "ContactAction", -6: "Company",
    -9: "Job", -10: "RecurringOrder",
}


class CustomFieldType(int, Enum):
    """DataFormField.DataType codes."""

    PHONE = 1
    SSN = 2
    CURRENCY = 3
    PERCENT = 4
    STATE = 5
    YES_NO = 6
    YEAR = 7
    MONTH = 8
    DAY_OF_WEEK = 9
    NAME = 10
    DECIMAL = 11
    NUMBER = 12
    DATE = 13
    DATETIME = 14
    TEXT = 15
    TEXT_AREA = 16
    LIST_BOX = 17
    WEBSITE = 18
    EMAIL = 19
    RADIO = 20
    SELECT = 21
    USER = 22
    DRILLDOWN = 23
    USER_LIST_BOX = 25


#: Names accepted by DataService.addCustomField (case-sensitive) for each code.
CUSTOM_TYPE_NAMES: dict[CustomFieldType, str] = {
    CustomFieldType.PHONE: "Phone", CustomFieldType.SSN: "SSN",
    CustomFieldType.CURRENCY: "Currency", CustomFieldType.PERCENT: "Percent",
    CustomFieldType.STATE: "State", CustomFieldType.YES_NO: "YesNo",
    CustomFieldType.YEAR: "Year", CustomFieldType.MONTH: "Month",
    CustomFieldType.DAY_OF_WEEK: "DayOfWeek", CustomFieldType.NAME: "Name",
    CustomFieldType.DECIMAL: "Decimal", CustomFieldType.NUMBER: "Number",
    CustomFieldType.DATE: "Date", CustomFieldType.DATETIME: "DateTime",
    CustomFieldType.TEXT: "Text", CustomFieldType.TEXT_AREA: "TextArea",
    CustomFieldType.LIST_BOX: "List Box", CustomFieldType.WEBSITE: "Website",
    CustomFieldType.EMAIL: "Email", CustomFieldType.RADIO: "Radio",
    CustomFieldType.SELECT: "Select", CustomFieldType.USER: "User",
    CustomFieldType.DRILLDOWN: "Drilldown", CustomFieldType.USER_LIST_BOX: "UserBox",
}

#: What a custom field's value is on the wire.
CUSTOM_WIRE_TYPES: dict[CustomFieldType, FieldType] = {
    CustomFieldType.CURRENCY: FieldType.DOUBLE,
    CustomFieldType.PERCENT: FieldType.DOUBLE,
    CustomFieldType.DECIMAL: FieldType.DOUBLE,
    CustomFieldType.NUMBER: FieldType.INTEGER,
    CustomFieldType.YEAR: FieldType.INTEGER,
    CustomFieldType.YES_NO: FieldType.INTEGER,
    CustomFieldType.USER: FieldType.INTEGER,
    CustomFieldType.DATE: FieldType.DATE,
    CustomFieldType.DATETIME: FieldType.DATETIME,
}

#: Types that carry a newline-separated option list in DataFormField.Values.
LIST_TYPES = frozenset(
    {CustomFieldType.SELECT, CustomFieldType.RADIO, CustomFieldType.LIST_BOX, CustomFieldType.DRILLDOWN}
)


@dataclass(frozen=True)
class CustomField:
    """A custom field as DataFormField describes it; ``api_name`` carries the underscore."""

    id: int
    name: str
    label: str
    data_type: CustomFieldType
    form_id: int
    group_id: int = 0
    options: tuple[str, ...] = ()
    default_value: str = ""

    @property
    def api_name(self) -> str:
        return "_" + self.name

    @property
    def table(self) -> str | None:
        return FORM_IDS.get(self.form_id)

    @property
    def wire_type(self) -> FieldType:
        return CUSTOM_WIRE_TYPES.get(self.data_type, FieldType.STRING)

    @property
    def locked(self) -> bool:
        """SSN fields cannot be read or written through the API."""
        return self.data_type is CustomFieldType.SSN

    @classmethod
    def from_row(cls, row: dict[str, object]) -> CustomField:
        """Build from a DataFormField row as the API returns it."""
        values = str(row.get("Values") or "")
        try:
            dtype = CustomFieldType(int(row.get("DataType") or CustomFieldType.TEXT))  # type: ignore[call-overload]
        except ValueError:
            dtype = CustomFieldType.TEXT
        return cls(
            id=int(row.get("Id") or 0),  # type: ignore[call-overload]
            name=str(row.get("Name") or ""),
            label=str(row.get("Label") or row.get("Name") or ""),
            data_type=dtype,
            form_id=int(row.get("FormId") or -1),  # type: ignore[call-overload]
            group_id=int(row.get("GroupId") or 0),  # type: ignore[call-overload]
            options=tuple(v for v in values.split("\n") if v.strip()),
            default_value=str(row.get("DefaultValue") or ""),
        )


def custom_field_db_name(display_name: str) -> str:
    """The database name Keap makes from a label: only its alphanumeric characters."""
    return "".join(ch for ch in display_name if ch.isascii() and ch.isalnum())


def table(name: str) -> TableDef:
    """Look a table up by its exact legacy name; KeyError if unknown."""
    return TABLES[name]


def exact_table_name(name: str) -> str | None:
    """The exactly spelled table for a name in any case, or None."""
    return _TABLES_LOWER.get(name.lower())


#: The friendly names the UI shows for Keap's legacy table names.
FRIENDLY_NAMES: dict[str, str] = {name: t.friendly for name, t in TABLES.items()}
