"""Customer Manager for Excel: a bookkeeper's contacts in a workbook, synced both ways with QuickBooks."""

__version__ = "0.1.0"
