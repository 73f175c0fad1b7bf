"""Intuit's XML answers in the same shape as its JSON ones, so one parser reads both.

QuickBooks Online answers in JSON when asked, but gateways and throttles still answer in XML at times
(``<IntuitResponse><Fault>...``). Elements become keys, repeated elements lists, attributes keys of their own,
and an element with attributes and text (``<CurrencyRef name="...">USD</CurrencyRef>``) ``{"value": ..., ...}``,
as in the JSON form. Parsed with defusedxml: an answer is never trusted to be harmless.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

# Elements that are lists in Intuit's JSON even when there is only one.
_LISTS = {"Error", "BatchItemResponse", "CDCResponse"}
_CONTAINERS = {"QueryResponse", "CDCResponse", "BatchItemResponse", "Fault"}


def parse(text: str | bytes) -> dict[str, Any]:
    """An XML answer as the dict its JSON form would be (the ``IntuitResponse`` wrapper dissolved)."""
    root = fromstring(text)
    tag = _local(root.tag)
    if tag == "IntuitResponse":
        body = _children(root, tag)
        body.update(_attributes(root))
        return body
    return {tag: _value(root, tag)}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attributes(element: Element) -> dict[str, str]:
    return {_local(k): v for k, v in element.attrib.items()}


def _children(element: Element, tag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in element:
        name = _local(child.tag)
        value = _value(child, name)
        if _always_list(tag, name, child):
            out.setdefault(name, []).append(value)
        elif name in out:
            existing = out[name]
            out[name] = [*(existing if isinstance(existing, list) else [existing]), value]
        else:
            out[name] = value
    return out


def _always_list(parent: str, name: str, child: Element) -> bool:
    return (name in _LISTS or (parent == "QueryResponse" and len(child) > 0)
            or (parent == "CDCResponse" and name == "QueryResponse"))


def _value(element: Element, tag: str) -> Any:
    attrs = _attributes(element)
    if len(element):
        body = _children(element, tag)
        body.update(attrs)
        return body
    text = (element.text or "").strip()
    if tag in _CONTAINERS:
        return attrs  # an empty QueryResponse is still an object, as in JSON
    return {"value": text, **attrs} if attrs else text
