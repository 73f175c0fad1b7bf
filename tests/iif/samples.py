"""IIF files laid out as QuickBooks Desktop for Windows exports them, built row by row for the tests.

The genuine QuickBooks export (a Mac one, with no customer rows) is read from the shared reference folder by
test_conformance.py; these samples add what it lacks: data rows, quoting, a custom-field dictionary, HIDDEN.
"""

from __future__ import annotations

from collections.abc import Sequence


def words(text: str) -> list[str]:
    return text.split()


WINDOWS_CUST = words(
    "NAME REFNUM TIMESTAMP BADDR1 BADDR2 BADDR3 BADDR4 BADDR5 SADDR1 SADDR2 SADDR3 SADDR4 SADDR5 PHONE1 PHONE2 "
    "FAXNUM EMAIL NOTE CONT1 CONT2 CTYPE TERMS TAXABLE SALESTAXCODE LIMIT RESALENUM REP TAXITEM NOTEPAD SALUTATION "
    "COMPANYNAME FIRSTNAME MIDINIT LASTNAME CUSTFLD1 CUSTFLD2 CUSTFLD3 CUSTFLD4 CUSTFLD5 CUSTFLD6 CUSTFLD7 CUSTFLD8 "
    "CUSTFLD9 CUSTFLD10 CUSTFLD11 CUSTFLD12 CUSTFLD13 CUSTFLD14 CUSTFLD15 JOBDESC JOBTYPE JOBSTATUS JOBSTART "
    "JOBPROJEND JOBEND HIDDEN DELCOUNT PRICELEVEL")
WINDOWS_VEND = words(
    "NAME REFNUM TIMESTAMP PRINTAS ADDR1 ADDR2 ADDR3 ADDR4 ADDR5 VTYPE CONT1 CONT2 PHONE1 PHONE2 FAXNUM EMAIL NOTE "
    "TAXID LIMIT TERMS NOTEPAD SALUTATION COMPANYNAME FIRSTNAME MIDINIT LASTNAME CUSTFLD1 CUSTFLD2 CUSTFLD3 CUSTFLD4 "
    "CUSTFLD5 CUSTFLD6 CUSTFLD7 CUSTFLD8 CUSTFLD9 CUSTFLD10 CUSTFLD11 CUSTFLD12 CUSTFLD13 CUSTFLD14 CUSTFLD15 1099 "
    "HIDDEN DELCOUNT")


def iif(*rows: Sequence[str], eol: str = "\r\n") -> bytes:
    """Rows of cells (already quoted where QuickBooks quotes) as Windows-1252 bytes."""
    return "".join("\t".join(row) + eol for row in rows).encode("cp1252")


def row(keyword: str, columns: Sequence[str], **cells: str) -> list[str]:
    """A data row in ``columns`` order; ``cells`` by column name (``CUSTFLD1=...``), the rest empty."""
    unknown = set(cells) - set(columns)
    assert not unknown, f"not in the layout: {unknown}"
    return [keyword, *(cells.get(c, "") for c in columns)]


def cust(**cells: str) -> list[str]:
    return row("CUST", WINDOWS_CUST, **cells)


def vend(**cells: str) -> list[str]:
    return row("VEND", WINDOWS_VEND, **cells)


HDR = [["!HDR", "PROD", "VER", "REL", "IIFVER", "DATE", "TIME", "ACCNTNT", "ACCNTNTSPLITTIME"],
       ["HDR", "QuickBooks Pro", "Version 22.0D", "Release R16P", "1", "2026-11-20", "1795000000", "N", "0"]]
DICTIONARY = [["!CUSTNAMEDICT", "INDEX", "LABEL", "CUSTOMER", "VENDOR", "EMPLOYEE"], ["!ENDCUSTNAMEDICT"],
              ["CUSTNAMEDICT", "0", "Spouse's Name", "Y", "N", "Y"],
              ["CUSTNAMEDICT", "1", "Region", "Y", "Y", "N"],
              *(["CUSTNAMEDICT", str(i), "", "N", "N", "N"] for i in range(2, 15)),
              ["ENDCUSTNAMEDICT"]]


def windows_export() -> bytes:
    """A customer and vendor list export: quoted names and places, a job, an inactive customer, a multi-line
    notepad with a tab and quotes, Windows-1252 accents and the euro sign, text that looks like formulas."""
    return iif(
        *HDR, *DICTIONARY,
        ["!CUST", *WINDOWS_CUST],
        cust(NAME='"Andres, Cristina"', TIMESTAMP="1071505142", BADDR1="Cristina Andres",
             BADDR2="4242 Cypress Hill Rd", BADDR3="Bayshore CA 94326", PHONE1="415-555-2174",
             EMAIL="cristina@example.com", FIRSTNAME="Cristina", LASTNAME="Andres", CUSTFLD1="Carlos",
             CUSTFLD2="Bay Area", TERMS="Net 30", HIDDEN="N"),
        cust(NAME='"Andres, Cristina:Garden Wall"', SADDR1="Cristina Andres", SADDR2="12 Shore Rd",
             SADDR3='"Middlefield, CA  94482"', JOBSTATUS="2", HIDDEN="N"),
        cust(NAME="O'Brien's Bakery", COMPANYNAME="=1+2", BADDR1="O'Brien's Bakery", BADDR2="310 Centre Street",
             BADDR3='"Newton, MA 02458"', BADDR4="USA", PHONE1="(617) 555-0126",
             NOTEPAD='"Deliveries before 7\tam.\r\nAsk for ""Maeve"", not the manager."', HIDDEN="N"),
        cust(NAME="Café Société", COMPANYNAME="€uro Café", FIRSTNAME="Amélie", NOTEPAD="@SUM(A1) -- not a formula",
             HIDDEN="N"),
        cust(NAME="Hastings, Margaret".join('""'), LASTNAME="Hastings", HIDDEN="Y"),
        ["!VEND", *WINDOWS_VEND],
        vend(NAME="Bay State Stone & Tile", ADDR1="Bay State Stone & Tile", ADDR2="400 Quarry Road",
             ADDR3='"Milford, MA 01757"', PHONE1="(508) 555-0210", CUSTFLD2="Metro West", TAXID="04-1234567",
             HIDDEN="N"),
    )
