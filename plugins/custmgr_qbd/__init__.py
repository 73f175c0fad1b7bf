"""QuickBooks Desktop connector: qbXML (13.0, or what an older QuickBooks speaks) over COM, or over the sandbox company.

Where each part lives:

- ``elements``: the qbXML vocabulary (which element holds which contact field, in the schema's order);
- ``messages`` builds requests, ``responses`` reads answers safely and maps status codes to the error vocabulary;
- ``connector`` (identity, listing, fetch) and ``writes`` (a batch of changes in one message): the ``qbd``
  connector; ``versions``: which qbXML version a session speaks (HostQuery);
- ``transport`` (the interface, tracing, the sandbox transport) and ``com`` (QuickBooks' SDK on Windows);
- ``front`` and ``front_*``: the sandbox company's qbXML front, answering as QuickBooks does (``front_host``: as
  which QuickBooks, in which qbXML versions);
- ``plugin`` (hooks, the transport rule) and ``cli`` (``custmgr qbd send``, ``custmgr qbd host``).

See docs/quickbooks-desktop.md.
"""
