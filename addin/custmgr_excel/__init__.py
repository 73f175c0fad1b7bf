"""Customer Manager's Excel add-in: the ribbon's commands (``ribbon.run``), the live-workbook port
(``live.LiveWorkbook``), and ``custmgr addin build | install | uninstall``.

The only package that imports xlwings, and only when a ribbon button runs.
"""
