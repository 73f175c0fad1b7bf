"""Excel add-in side of Customer Manager: the only package that imports xlwings (not yet built)."""
