"""Tests of the workbook port and its implementations."""
