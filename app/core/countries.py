"""Country names as Keap's XML-RPC stores them, and the ISO codes REST v2 speaks.

XML-RPC keeps a country as free text (``United States``); REST v2 answers and takes
``country_code`` in ISO 3166-1 alpha-3 (``USA``) and a region as ISO 3166-2
(``US-GA``) [V keap-rest-v2.md 3.1]. The app's vocabulary stays the XML-RPC field, so
both the REST backend and the sandbox convert here. A name not in the table cannot be
sent over REST; the caller says so (or the user types the three-letter code).
"""

from __future__ import annotations

#: Long name -> (alpha-3, alpha-2). Common spellings share codes.
COUNTRIES: dict[str, tuple[str, str]] = {
    "United States": ("USA", "US"), "Canada": ("CAN", "CA"), "Mexico": ("MEX", "MX"),
    "United Kingdom": ("GBR", "GB"), "Ireland": ("IRL", "IE"), "Germany": ("DEU", "DE"),
    "France": ("FRA", "FR"), "Spain": ("ESP", "ES"), "Portugal": ("PRT", "PT"), "Italy": ("ITA", "IT"),
    "Netherlands": ("NLD", "NL"), "Belgium": ("BEL", "BE"), "Luxembourg": ("LUX", "LU"),
    "Switzerland": ("CHE", "CH"), "Austria": ("AUT", "AT"), "Denmark": ("DNK", "DK"),
    "Sweden": ("SWE", "SE"), "Norway": ("NOR", "NO"), "Finland": ("FIN", "FI"), "Iceland": ("ISL", "IS"),
    "Poland": ("POL", "PL"), "Czech Republic": ("CZE", "CZ"), "Slovakia": ("SVK", "SK"),
    "Hungary": ("HUN", "HU"), "Romania": ("ROU", "RO"), "Bulgaria": ("BGR", "BG"), "Greece": ("GRC", "GR"),
    "Turkey": ("TUR", "TR"), "Russia": ("RUS", "RU"), "Ukraine": ("UKR", "UA"), "Lithuania": ("LTU", "LT"),
    "Latvia": ("LVA", "LV"), "Estonia": ("EST", "EE"), "Croatia": ("HRV", "HR"), "Slovenia": ("SVN", "SI"),
    "Serbia": ("SRB", "RS"), "Israel": ("ISR", "IL"), "United Arab Emirates": ("ARE", "AE"),
    "Saudi Arabia": ("SAU", "SA"), "Egypt": ("EGY", "EG"), "South Africa": ("ZAF", "ZA"),
    "Nigeria": ("NGA", "NG"), "Kenya": ("KEN", "KE"), "India": ("IND", "IN"), "Pakistan": ("PAK", "PK"),
    "China": ("CHN", "CN"), "Japan": ("JPN", "JP"), "South Korea": ("KOR", "KR"), "Taiwan": ("TWN", "TW"),
    "Hong Kong": ("HKG", "HK"), "Singapore": ("SGP", "SG"), "Malaysia": ("MYS", "MY"),
    "Thailand": ("THA", "TH"), "Vietnam": ("VNM", "VN"), "Philippines": ("PHL", "PH"),
    "Indonesia": ("IDN", "ID"), "Australia": ("AUS", "AU"), "New Zealand": ("NZL", "NZ"),
    "Brazil": ("BRA", "BR"), "Argentina": ("ARG", "AR"), "Chile": ("CHL", "CL"), "Colombia": ("COL", "CO"),
    "Peru": ("PER", "PE"), "Puerto Rico": ("PRI", "PR"), "Costa Rica": ("CRI", "CR"),
    "Dominican Republic": ("DOM", "DO"), "Jamaica": ("JAM", "JM"),
}
#: Other spellings people type.
ALIASES: dict[str, str] = {
    "USA": "United States", "US": "United States", "U.S.A.": "United States",
    "United States of America": "United States", "UK": "United Kingdom", "Great Britain": "United Kingdom",
    "England": "United Kingdom", "Czechia": "Czech Republic", "Russian Federation": "Russia",
    "Korea, Republic of": "South Korea", "Viet Nam": "Vietnam", "Deutschland": "Germany",
}
_BY_LOWER = {name.lower(): name for name in COUNTRIES} | {k.lower(): v for k, v in ALIASES.items()}
NAME_BY_ALPHA3: dict[str, str] = {a3: name for name, (a3, _) in COUNTRIES.items()}


def alpha3(country: str) -> str | None:
    """``United States`` (or ``USA``, ``us``) -> ``USA``; None when unknown."""
    text = country.strip()
    if text.upper() in NAME_BY_ALPHA3:
        return text.upper()
    name = _BY_LOWER.get(text.lower())
    return COUNTRIES[name][0] if name else None


def alpha2(country: str) -> str | None:
    code = alpha3(country)
    return COUNTRIES[NAME_BY_ALPHA3[code]][1] if code else None


def name_of(code: str) -> str | None:
    """``USA`` -> ``United States``; None when unknown."""
    return NAME_BY_ALPHA3.get(code.strip().upper())
