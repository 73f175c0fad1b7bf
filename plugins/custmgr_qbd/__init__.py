"""QuickBooks Desktop connector: qbXML 13 over COM, or over the sandbox company."""
