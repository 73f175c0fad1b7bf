"""IIF list import and export (QuickBooks Desktop for Mac, one-way transfers)."""
