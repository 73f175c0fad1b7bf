"""qbXML 13 vocabulary for customers and vendors: which element carries which contact field, in schema order.

Every qbXML request is a strict sequence: an element out of place makes QuickBooks reject the whole message. The
tuples below are that order, copied from Intuit's schema (``qbxmlops130.xsd``) and checked against it by the
conformance tests. The request builder, the response parser and the sandbox front all read them from here.
"""

from __future__ import annotations

from custmgr.contact import CUSTOMER, VENDOR

QBXML_VERSION = "13.0"
#: Custom fields, the ones a bookkeeper sees in QuickBooks, belong to owner 0.
OWNER_CUSTOM = "0"
#: Customer Manager's own private data extension (never shown in QuickBooks): the company stamp.
OWNER_CUSTMGR = "{5E0C4A8B-2F31-4C6D-9A7E-C1B2D3E4F5A6}"
COMPANY_STAMP = "Customer Manager company ID"

PERSON = (("salutation", "Salutation"), ("first_name", "FirstName"), ("middle_name", "MiddleName"),
          ("last_name", "LastName"))
COMMUNICATION = (("phone", "Phone"), ("mobile", "Mobile"), ("alt_phone", "AltPhone"), ("fax", "Fax"),
                 ("email", "Email"), ("cc_email", "Cc"))
ADDRESS_PARTS = (("line1", "Addr1"), ("line2", "Addr2"), ("line3", "Addr3"), ("line4", "Addr4"),
                 ("line5", "Addr5"), ("city", "City"), ("state", "State"), ("postal_code", "PostalCode"),
                 ("country", "Country"))
ADDRESS_CHILDREN = (*(tag for _, tag in ADDRESS_PARTS), "Note")

#: Single-element fields in the order both Customer and Vendor requests hold them.
SIMPLE_FIELDS = (("company", "CompanyName"), *PERSON, ("job_title", "JobTitle"), *COMMUNICATION,
                 ("notes", "Notes"))
FIELD_OF_TAG = {tag: key for key, tag in SIMPLE_FIELDS}


def address_tag(kind: str, prefix: str) -> str:
    """The element holding the ``bill`` or ``ship`` address of a customer or vendor."""
    if prefix == "ship":
        return "ShipAddress"
    return "VendorAddress" if kind == VENDOR else "BillAddress"


# --- the schema's sequences (child element names, in order) ------------------------------------------------

_PERSON_TAGS = ("Salutation", "FirstName", "MiddleName", "LastName", "Suffix")
_COMM_TAGS = ("Phone", "Mobile", "Pager", "AltPhone", "Fax", "Email", "Cc", "Contact", "AltContact")
_LIST_CORE_RET = ("ListID", "TimeCreated", "TimeModified", "EditSequence")

CUSTOMER_ADD = (
    "Name", "IsActive", "ClassRef", "ParentRef", "CompanyName", *_PERSON_TAGS, "JobTitle", "BillAddress",
    "ShipAddress", "ShipToAddress", "PrintAs", *_COMM_TAGS, "AdditionalContactRef", "Contacts", "CustomerTypeRef",
    "TermsRef", "SalesRepRef", "OpenBalance", "OpenBalanceDate", "SalesTaxCodeRef", "ItemSalesTaxRef",
    "SalesTaxCountry", "ResaleNumber", "AccountNumber", "CreditLimit", "PreferredPaymentMethodRef", "CreditCardInfo",
    "JobStatus", "JobStartDate", "JobProjectedEndDate", "JobEndDate", "JobDesc", "JobTypeRef", "Notes",
    "AdditionalNotes", "IsStatementWithParent", "DeliveryMethod", "PreferredDeliveryMethod", "PriceLevelRef",
    "ExternalGUID", "TaxRegistrationNumber", "CurrencyRef",
)
CUSTOMER_MOD = (
    "ListID", "EditSequence", "Name", "IsActive", "ClassRef", "ParentRef", "CompanyName", *_PERSON_TAGS, "JobTitle",
    "BillAddress", "ShipAddress", "ShipToAddress", "PrintAs", *_COMM_TAGS, "AdditionalContactRef", "ContactsMod",
    "CustomerTypeRef", "TermsRef", "SalesRepRef", "SalesTaxCodeRef", "ItemSalesTaxRef", "SalesTaxCountry",
    "ResaleNumber", "AccountNumber", "CreditLimit", "PreferredPaymentMethodRef", "CreditCardInfo", "JobStatus",
    "JobStartDate", "JobProjectedEndDate", "JobEndDate", "JobDesc", "JobTypeRef", "Notes", "AdditionalNotesMod",
    "IsStatementWithParent", "DeliveryMethod", "PreferredDeliveryMethod", "PriceLevelRef", "TaxRegistrationNumber",
    "CurrencyRef",
)
CUSTOMER_RET = (
    *_LIST_CORE_RET, "Name", "FullName", "IsActive", "ClassRef", "ParentRef", "Sublevel", "CompanyName",
    *_PERSON_TAGS, "JobTitle", "BillAddress", "BillAddressBlock", "ShipAddress", "ShipAddressBlock", "ShipToAddress",
    "PrintAs", *_COMM_TAGS, "AdditionalContactRef", "ContactsRet", "CustomerTypeRef", "TermsRef", "SalesRepRef",
    "Balance", "TotalBalance", "SalesTaxCodeRef", "ItemSalesTaxRef", "SalesTaxCountry", "ResaleNumber",
    "AccountNumber", "CreditLimit", "PreferredPaymentMethodRef", "CreditCardInfo", "JobStatus", "JobStartDate",
    "JobProjectedEndDate", "JobEndDate", "JobDesc", "JobTypeRef", "Notes", "AdditionalNotesRet",
    "IsStatementWithParent", "DeliveryMethod", "PreferredDeliveryMethod", "PriceLevelRef", "ExternalGUID",
    "TaxRegistrationNumber", "CurrencyRef", "DataExtRet",
)
_VENDOR_TAX = ("SalesTaxCodeRef", "SalesTaxCountry", "IsSalesTaxAgency", "SalesTaxReturnRef", "TaxRegistrationNumber",
               "ReportingPeriod", "IsTaxTrackedOnPurchases", "TaxOnPurchasesAccountRef", "IsTaxTrackedOnSales",
               "TaxOnSalesAccountRef", "IsTaxOnTax", "PrefillAccountRef", "CurrencyRef")
VENDOR_ADD = (
    "Name", "IsActive", "ClassRef", "CompanyName", *_PERSON_TAGS, "JobTitle", "VendorAddress", "ShipAddress",
    *_COMM_TAGS, "AdditionalContactRef", "Contacts", "NameOnCheck", "AccountNumber", "Notes", "AdditionalNotes",
    "VendorTypeRef", "TermsRef", "CreditLimit", "VendorTaxIdent", "IsVendorEligibleFor1099", "OpenBalance",
    "OpenBalanceDate", "BillingRateRef", "ExternalGUID", *_VENDOR_TAX,
)
VENDOR_MOD = (
    "ListID", "EditSequence", "Name", "IsActive", "ClassRef", "CompanyName", *_PERSON_TAGS, "JobTitle",
    "VendorAddress", "ShipAddress", *_COMM_TAGS, "AdditionalContactRef", "ContactsMod", "NameOnCheck",
    "AccountNumber", "Notes", "AdditionalNotesMod", "VendorTypeRef", "TermsRef", "CreditLimit", "VendorTaxIdent",
    "IsVendorEligibleFor1099", "BillingRateRef", *_VENDOR_TAX,
)
VENDOR_RET = (
    *_LIST_CORE_RET, "Name", "IsActive", "ClassRef", "IsTaxAgency", "CompanyName", *_PERSON_TAGS, "JobTitle",
    "VendorAddress", "VendorAddressBlock", "ShipAddress", *_COMM_TAGS, "AdditionalContactRef", "ContactsRet",
    "NameOnCheck", "AccountNumber", "Notes", "AdditionalNotesRet", "VendorTypeRef", "TermsRef", "CreditLimit",
    "VendorTaxIdent", "IsVendorEligibleFor1099", "Balance", "BillingRateRef", "ExternalGUID", *_VENDOR_TAX,
    "DataExtRet",
)

SEQUENCES = {
    (CUSTOMER, "Add"): CUSTOMER_ADD, (CUSTOMER, "Mod"): CUSTOMER_MOD, (CUSTOMER, "Ret"): CUSTOMER_RET,
    (VENDOR, "Add"): VENDOR_ADD, (VENDOR, "Mod"): VENDOR_MOD, (VENDOR, "Ret"): VENDOR_RET,
}

#: Elements that may repeat, with how often (None: any number).
REPEATS: dict[str, int | None] = {
    "ShipToAddress": 50, "AdditionalContactRef": 8, "Contacts": None, "ContactsMod": None, "ContactsRet": None,
    "AdditionalNotes": None, "AdditionalNotesMod": None, "AdditionalNotesRet": None, "PrefillAccountRef": 3,
    "DataExtRet": None,
}
ADDRESSES = frozenset({"BillAddress", "ShipAddress", "VendorAddress"})
BOOLEANS = frozenset({"IsActive", "IsStatementWithParent", "IsVendorEligibleFor1099", "IsSalesTaxAgency",
                      "IsTaxTrackedOnPurchases", "IsTaxTrackedOnSales", "IsTaxOnTax", "IsTaxAgency"})
#: Aggregates whose insides the sandbox keeps as given without looking at them.
OPAQUE = frozenset({"ShipToAddress", "AdditionalContactRef", "Contacts", "ContactsMod", "ContactsRet",
                    "AdditionalNotes", "AdditionalNotesMod", "AdditionalNotesRet", "CreditCardInfo",
                    "BillAddressBlock", "ShipAddressBlock", "VendorAddressBlock", "DataExtRet"})


def is_reference(tag: str) -> bool:
    """A ``...Ref`` aggregate (ListID and/or FullName of another list's element)."""
    return tag.endswith("Ref") and tag not in OPAQUE


#: Elements that hold the same data as a contact field, so the sandbox keeps them in the contact itself.
MODELLED = frozenset({"Name", "FullName", "IsActive", "ParentRef", *FIELD_OF_TAG, *ADDRESSES, "ListID",
                      "EditSequence", "TimeCreated", "TimeModified", "Sublevel", "DataExtRet"})

#: What the connector asks back for a full record (IncludeRetElement): nothing it does not use, so no card
#: number, tax id or balance ever crosses the wire or lands in a trace.
RECORD_ELEMENTS = {
    CUSTOMER: ("ListID", "EditSequence", "FullName", "IsActive", "CompanyName", *(t for _, t in PERSON),
               "JobTitle", "BillAddress", "ShipAddress", *(t for _, t in COMMUNICATION), "Notes", "DataExtRet"),
    VENDOR: ("ListID", "EditSequence", "Name", "IsActive", "CompanyName", *(t for _, t in PERSON), "JobTitle",
             "VendorAddress", "ShipAddress", *(t for _, t in COMMUNICATION), "Notes", "DataExtRet"),
}
#: The cheap listing: id, version, active flag and the name (for a readable trace).
LISTING_ELEMENTS = {CUSTOMER: ("ListID", "EditSequence", "IsActive", "FullName"),
                    VENDOR: ("ListID", "EditSequence", "IsActive", "Name")}
