"""QuickBooks lists in IIF files: import and export for QuickBooks Desktop for Mac, and one-way transfers.

``text`` reads and writes the IIF file format, ``columns`` knows QuickBooks' list layouts, ``addresses`` turns
envelope lines into address fields and back, ``lists`` reads the customers and vendors of a file, ``import_list`` and
``export_list`` move them into and out of a workbook (through ``custmgr.transfer``), ``connector`` is the one-way
connector the engine refuses to sync with, ``cli`` adds ``custmgr import`` and ``custmgr export``.
"""
