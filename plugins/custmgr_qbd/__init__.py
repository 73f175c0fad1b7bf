"""QuickBooks Desktop connector: qbXML 13 over COM, or over the sandbox company.

Where each part lives:

- ``elements``: the qbXML vocabulary (which element holds which contact field, in the schema's order);
- ``messages`` builds requests, ``responses`` reads answers safely and maps status codes to the error vocabulary;
- ``connector`` (identity, listing, fetch) and ``writes`` (a batch of changes in one message): the ``qbd``
  connector;
- ``transport`` (the interface, tracing, the sandbox transport) and ``com`` (QuickBooks' SDK on Windows);
- ``front`` and ``front_*``: the sandbox company's qbXML front, answering as QuickBooks does;
- ``plugin`` (hooks, the transport rule) and ``cli`` (``custmgr qbd send``).

See docs/quickbooks-desktop.md.
"""
