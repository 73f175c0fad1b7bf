"""The columns of QuickBooks' customer (``!CUST``) and vendor (``!VEND``) lists in IIF, and where each one goes.

Which columns a file has depends on the QuickBooks version that wrote it, so a file is always read by its own
header row. QuickBooks Desktop for Windows writes the layouts below; the Mac editions write a subset of them, in the
same order (QuickBooks Pro 6.0 for Macintosh has no EMAIL, HIDDEN or job columns). The export writes these layouts.
"""

from __future__ import annotations

import re

from custmgr.contact import CUSTOMER, VENDOR

CUST, VEND = "CUST", "VEND"
KIND_OF_LIST = {CUST: CUSTOMER, VEND: VENDOR}
LIST_OF_KIND = {kind: keyword for keyword, kind in KIND_OF_LIST.items()}
CUSTOM_FIELDS = 15  # CUSTFLD1 .. CUSTFLD15


def _lines(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, 6))


_CUSTOM = tuple(f"CUSTFLD{i}" for i in range(1, CUSTOM_FIELDS + 1))
_PERSON = ("SALUTATION", "COMPANYNAME", "FIRSTNAME", "MIDINIT", "LASTNAME")

LAYOUTS: dict[str, tuple[str, ...]] = {
    CUST: ("NAME", "REFNUM", "TIMESTAMP", *_lines("BADDR"), *_lines("SADDR"), "PHONE1", "PHONE2", "FAXNUM",
           "EMAIL", "NOTE", "CONT1", "CONT2", "CTYPE", "TERMS", "TAXABLE", "SALESTAXCODE", "LIMIT", "RESALENUM",
           "REP", "TAXITEM", "NOTEPAD", *_PERSON, *_CUSTOM, "JOBDESC", "JOBTYPE", "JOBSTATUS", "JOBSTART",
           "JOBPROJEND", "JOBEND", "HIDDEN", "DELCOUNT", "PRICELEVEL"),
    VEND: ("NAME", "REFNUM", "TIMESTAMP", "PRINTAS", *_lines("ADDR"), "VTYPE", "CONT1", "CONT2", "PHONE1",
           "PHONE2", "FAXNUM", "EMAIL", "NOTE", "TAXID", "LIMIT", "TERMS", "NOTEPAD", *_PERSON, *_CUSTOM, "1099",
           "HIDDEN", "DELCOUNT"),
}

#: Columns that hold one contact field, the same in both lists.
FIELD_OF_COLUMN: dict[str, str] = {
    "NAME": "name", "PHONE1": "phone", "PHONE2": "alt_phone", "FAXNUM": "fax", "EMAIL": "email", "CC": "cc_email",
    "NOTEPAD": "notes", "SALUTATION": "salutation", "COMPANYNAME": "company", "FIRSTNAME": "first_name",
    "MIDINIT": "middle_name", "LASTNAME": "last_name",
}
#: Address columns (prefix of five lines) -> the contact's address block. A vendor has one address.
ADDRESSES: dict[str, dict[str, str]] = {CUST: {"BADDR": "bill", "SADDR": "ship"}, VEND: {"ADDR": "bill"}}
INACTIVE_COLUMN = "HIDDEN"  # Y = inactive
VERSION_COLUMN = "TIMESTAMP"  # when QuickBooks last changed the entry
MULTILINE_COLUMNS = frozenset({"NOTEPAD", "NOTE", "JOBDESC"})
CUSTOM_COLUMN = re.compile(r"^CUSTFLD(\d{1,2})$")

#: Columns QuickBooks writes that have no place in a contact (terms, tax, credit limit, job status, ...).
#: They are recognised and left out, so an export from any edition reads without "unknown column" notes.
NOT_KEPT: dict[str, frozenset[str]] = {
    CUST: frozenset({
        "REFNUM", "TIMESTAMP", "NOTE", "CONT1", "CONT2", "CTYPE", "TERMS", "TAXABLE", "SALESTAXCODE", "LIMIT",
        "RESALENUM", "REP", "TAXITEM", "JOBDESC", "JOBTYPE", "JOBSTATUS", "JOBSTART", "JOBPROJEND", "JOBEND",
        "DELCOUNT", "PRICELEVEL", "NAMECURRENCY", "TAXCODE", "TAXCOUNTRY", "TAXID", "PREFERREDPAYMENT",
        "PREFERREDSENDMETHOD", "OBAMOUNT", "OBDATE",
        *(f"S{n}ADDR{i}" for n in range(1, 5) for i in range(1, 7)), *(f"SDEFAULTADDR{i}" for i in range(1, 7)),
    }),
    VEND: frozenset({
        "REFNUM", "TIMESTAMP", "PRINTAS", "VTYPE", "CONT1", "CONT2", "NOTE", "TAXID", "LIMIT", "TERMS", "1099",
        "DELCOUNT", "NAMECURRENCY", "ACCNTNAME", "ACCNTNUM", "BRANCHNUM", "BANKNAME", "LODGEMENT", "TAXCODE",
        "TAXCOUNTRY", "BILLRATELVL",
    }),
}

#: Contact fields no IIF list column holds: an export says so rather than dropping them silently.
NOT_IN_IIF: dict[str, tuple[str, ...]] = {
    CUST: ("mobile", "job_title", "cc_email"),
    VEND: ("mobile", "job_title", "cc_email", *(f"ship_{part}" for part in (
        "line1", "line2", "line3", "line4", "line5", "city", "state", "postal_code", "country"))),
}


def custom_number(column: str) -> int | None:
    """``CUSTFLD7`` -> 7; None for any other column (or a number outside 1-15)."""
    found = CUSTOM_COLUMN.match(column)
    number = int(found.group(1)) if found else 0
    return number if 1 <= number <= CUSTOM_FIELDS else None


def is_known(keyword: str, column: str) -> bool:
    """Whether ``column`` of list ``keyword`` is one QuickBooks writes (read into a field, or knowingly left out)."""
    return (column in FIELD_OF_COLUMN or column == INACTIVE_COLUMN or custom_number(column) is not None
            or column in NOT_KEPT[keyword]
            or any(column in _lines(prefix) for prefix in ADDRESSES[keyword]))
