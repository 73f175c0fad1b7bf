"""Checking qbXML against Intuit's qbXML 13 schema, as SOURCES.md describes: drop the ``<?qbxml?>`` processing
instruction, validate the rest against ``qbxmlops130.xsd``."""

from __future__ import annotations

import re
from typing import Any

_PI = re.compile(r"<\?qbxml[^>]*\?>")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def without_pi(xml: str) -> str:
    return _PI.sub("", _DECLARATION.sub("", xml, count=1))


def problems(schema: Any, xml: str) -> list[str]:
    """Why ``xml`` breaks the schema (empty when it is valid)."""
    return [str(err.reason or err) for err in schema.iter_errors(without_pi(xml))]
