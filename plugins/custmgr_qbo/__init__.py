"""QuickBooks Online connector: Accounting API v3 with OAuth 2, and a stand-in server to try it without Intuit.

Reading order: ``plugin`` (registration), ``connector`` (the contract), ``writes`` (a change checked and made a
batch item), ``records`` (QuickBooks Online fields <-> contact values), ``contactlist`` (the lists as last read:
paging, Change Data Capture, the local copy), ``client`` (HTTP: minorversion, throttles, faults, sign-in refresh),
``faults``, ``query``, ``intuit_xml``, ``endpoints``, ``tokens`` and ``auth`` (keyring and token refresh),
``login`` (the browser sign-in), ``trace`` (redacted request logs), ``cli`` (``custmgr qbo ...``). ``standin`` is a
local server that follows QuickBooks Online's rules, for tests and for trying the connector end to end.
"""
