"""The real xlwings platform backends, ``_xlwindows`` and ``_xlmac``, loaded on any OS over stand-ins for what
only Windows or macOS has: pywin32's modules and the Windows DLLs on one side, appscript's modules on the other.

The stand-ins are the operating system's side of the line, never xlwings': every line of ``xlwings.main``,
its conversion layer and the two backends runs as shipped. They hand each call on to the fake Excel the
object belongs to (``com.py`` and ``applescript.py``), which counts it.
"""

from __future__ import annotations

import builtins
import ctypes
import datetime as dt
import importlib
import sys
from types import ModuleType, SimpleNamespace
from typing import Any

#: Fake Excel applications by window handle (Windows) or process id (Mac), for the message-box calls that
#: reach the operating system rather than Excel.
RUNNING: dict[int, Any] = {}


# ------------------------------------------------------------------------------------------------ Windows


class com_error(Exception):
    """pywintypes.com_error: (hresult, text, excepinfo, argerror)."""

    @property
    def hresult(self) -> int:
        return int(self.args[0])


class ole_error(com_error):
    pass


class TimeType(dt.datetime):
    """pywintypes.TimeType: what pywin32 returns for a date, a timezone-aware datetime subclass."""


class CDispatch:
    """win32com.client.CDispatch: the late-bound COM object xlwings wraps in its retry wrapper."""


class _Dll:
    """ctypes' ``oledll``/``windll``/``PyDLL(...)``: libraries whose functions do nothing (xlwings calls one,
    ``CLSIDFromString``, at import; the others only find an Excel by its window, which the tests never do)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Dll() if name.islower() else _Function()


class _Function:
    restype: Any = None

    def __call__(self, *args: Any) -> int:
        return 0


def _message_box(hwnd: int, prompt: str, title: str, style: int) -> int:
    return RUNNING[hwnd].message_box(prompt, title, style)


def _windows_modules() -> dict[str, ModuleType]:
    def module(name: str, **members: Any) -> ModuleType:
        mod = ModuleType(name)
        mod.__dict__.update(members)
        return mod

    pythoncom = module("pythoncom", __file__="pythoncom.dll", ole_error=ole_error, com_error=com_error,
                       CoInitialize=lambda: None, CoUninitialize=lambda: None)
    client = module("win32com.client", CDispatch=CDispatch, DispatchBaseClass=type("DispatchBaseClass", (), {}),
                    CoClassBaseClass=type("CoClassBaseClass", (), {}), Dispatch=_unavailable,
                    DispatchEx=_unavailable)
    return {
        "pywintypes": module("pywintypes", com_error=com_error, error=com_error, TimeType=TimeType,
                             IID=lambda text: text),
        "win32api": module("win32api", MessageBox=_message_box),
        "win32con": module("win32con", MB_OK=0, MB_OKCANCEL=1, MB_YESNOCANCEL=3, MB_YESNO=4,
                           MB_ICONWARNING=0x30, MB_ICONINFORMATION=0x40),
        "pythoncom": pythoncom,
        "win32com": module("win32com", client=client),
        "win32com.client": client,
        "win32gui": module("win32gui", FindWindowEx=lambda parent, after, cls, title: parent),
        "win32process": module("win32process", GetWindowThreadProcessId=lambda hwnd: (0, hwnd)),
        "win32timezone": module("win32timezone", TimeZoneInfo=SimpleNamespace(utc=lambda: dt.timezone.utc)),
    }


def _unavailable(*args: Any, **kwargs: Any) -> Any:
    raise com_error(-2147221005, "Invalid class string (no Excel is installed here)", None, None)


def windows_backend() -> ModuleType:
    """``xlwings._xlwindows``, imported for real over the stand-ins (once per test run)."""
    if "xlwings._xlwindows" in sys.modules:
        return sys.modules["xlwings._xlwindows"]
    sys.modules.update(_windows_modules())
    builtins.__dict__.setdefault("WindowsError", OSError)  # as on Windows
    dlls = {name: getattr(ctypes, name, None) for name in ("oledll", "windll", "PyDLL")}
    ctypes.oledll = ctypes.windll = _Dll()  # type: ignore[attr-defined]
    ctypes.PyDLL = lambda path: _Dll()  # type: ignore[assignment,misc]
    try:
        return importlib.import_module("xlwings._xlwindows")
    finally:
        for name, value in dlls.items():
            if value is None:
                delattr(ctypes, name)
            else:
                setattr(ctypes, name, value)


# ------------------------------------------------------------------------------------------------ macOS


class Keyword:
    """appscript's ``k.name``: a keyword, equal to another of the same name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"k.{self.name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Keyword) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("k", self.name))

    @property
    def AS_name(self) -> str:
        return self.name


class _Keywords:
    def __getattr__(self, name: str) -> Keyword:
        if name.startswith("__"):
            raise AttributeError(name)
        return Keyword(name)


k = _Keywords()


class CommandError(Exception):
    """appscript.reference.CommandError: Excel refused an Apple event (number, message)."""

    def __init__(self, number: int, message: str) -> None:
        super().__init__(f"Command failed: OSERROR: {number} MESSAGE: {message}")
        self.errornumber = number


class Reference:
    """appscript.reference.Reference: the type the fake's references derive from."""


class _OSAX:
    """osax.OSAX: Standard Additions, whose ``display alert`` the Mac backend shows messages with."""

    def __init__(self, pid: int) -> None:
        self._app = RUNNING[pid]

    def activate(self) -> None:
        self._app.count("osax.activate")

    def display_alert(self, title: str, message: str = "", buttons: Any = "OK", as_: Any = None) -> dict[Any, str]:
        return {k.button_returned: self._app.display_alert(title, message, buttons, as_)}


def _mac_modules() -> dict[str, ModuleType]:
    def module(name: str, **members: Any) -> ModuleType:
        mod = ModuleType(name)
        mod.__dict__.update(members)
        return mod

    reference = module("appscript.reference", CommandError=CommandError, Reference=Reference)
    mactypes = module("mactypes", Alias=lambda path: SimpleNamespace(hfspath="Macintosh HD" + path.replace("/", ":")))
    appscript = module("appscript", app=_unavailable, its=SimpleNamespace(), k=k, mactypes=mactypes,
                       reference=reference)
    return {"aem": module("aem", kae=SimpleNamespace(typeKernelProcessID=b"kpid")), "appscript": appscript,
            "appscript.reference": reference, "osax": module("osax", OSAX=_OSAX),
            "psutil": module("psutil", process_iter=lambda: iter(())), "mactypes": mactypes}


def mac_backend() -> ModuleType:
    """``xlwings._xlmac``, imported for real over the stand-ins (once per test run)."""
    if "xlwings._xlmac" in sys.modules:
        return sys.modules["xlwings._xlmac"]
    sys.modules.update(_mac_modules())
    return importlib.import_module("xlwings._xlmac")
