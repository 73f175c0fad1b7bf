"""QuickBooks Online connector: Accounting API v3 with OAuth 2."""
