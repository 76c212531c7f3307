"""The one settings mechanism: declared, versioned, migrated.

A page declares its settings once, as a dataclass deriving from
:class:`PageSettings` with a ``SECTION``, a ``VERSION`` and a ``migrate``
function::

    @dataclass
    class ChooseKSettings(PageSettings):
        SECTION: ClassVar[str] = "choose_k"
        VERSION: ClassVar[int] = 2
        dataset: str = "blobs"
        k_min: int = 1

        @classmethod
        def migrate(cls, values: dict, version: int) -> dict:
            ...  # turn what ``version`` wrote into what VERSION reads

Settings live in the app's ``QSettings`` under one key per page,
``pages/<SECTION>``, holding ``{"version": N, "values": {...}}`` as JSON.
ClusterLab 0.1.0 wrote one QSettings key per control (``choose_k/k_min``):
that layout is *version 1*, and :func:`load_settings` hands its keys (as
QSettings returns them: often strings) to ``migrate(values, 1)``. Values are
then coerced to the declared field types; a value that cannot be read falls
back to the default, so a damaged file never stops the app.

:class:`Binder` puts the values into widgets without emitting their signals
and writes a field back whenever its widget changes.

Per-dataset state (DBSCAN's eps per dataset, placed centroids, ...) is not a
QSettings value: :class:`DatasetStore` keeps it in one atomic JSON file of the
data folder (``core.storage``), also versioned and migrated. ``DatasetStore.set``
changes the value at once and leaves the write to a background writer
(``gui.file_writer``: latest state wins), which the window flushes as it closes.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from core.storage import json_bytes, load_json, set_aside
from gui import file_writer

SETTINGS_PREFIX = "pages"


#: PageSettings.field_types of each class
_FIELD_TYPES: dict[type, dict[str, Any]] = {}


@dataclasses.dataclass
class PageSettings:
    """Base of a page's declared settings (subclass it as a dataclass)."""

    SECTION: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    @classmethod
    def migrate(cls, values: dict, version: int) -> dict:
        """Turn ``values`` written by settings ``version`` into this version's field values.

        Version 1 is ClusterLab 0.1.0's one-key-per-control layout. The default
        keeps the keys that name a field.
        """
        return values

    # -- conversion -------------------------------------------------------------------------
    @classmethod
    def field_types(cls) -> dict[str, Any]:
        """{field name: type}, worked out once per class (resolving the type hints takes
        ~8 ms, and a page binds a dozen controls as it opens). Do not change the dict."""
        types = _FIELD_TYPES.get(cls)
        if types is None:
            hints = typing.get_type_hints(cls)
            types = _FIELD_TYPES[cls] = {f.name: hints.get(f.name, Any)
                                         for f in dataclasses.fields(cls)}
        return types

    @classmethod
    def from_values(cls, values: dict) -> PageSettings:
        """Build from a dict, coercing each known key to its field's type; bad values
        keep the default."""
        defaults = cls()
        kwargs = {}
        for name, typ in cls.field_types().items():
            if name not in values:
                continue
            ok, value = coerce(values[name], typ, getattr(defaults, name))
            if ok:
                kwargs[name] = value
        return cls(**kwargs)

    def to_values(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def replace(self, **changes: Any) -> PageSettings:
        return dataclasses.replace(self, **changes)


def coerce(value: Any, typ: Any, default: Any) -> tuple[bool, Any]:
    """(True, value as ``typ``) or (False, None) when it cannot be read as one.

    QSettings' INI files give strings back ("true", "7", "0.5"), so strings are
    parsed; JSON text is accepted for lists and dicts.
    """
    origin = typing.get_origin(typ) or typ
    if typ is Any:
        return True, value
    if typing.get_origin(typ) is typing.Union or type(typ).__name__ == "UnionType":
        args = typing.get_args(typ)
        if value is None and type(None) in args:
            return True, None
        for arg in args:
            if arg is type(None):
                continue
            ok, v = coerce(value, arg, default)
            if ok:
                return True, v
        return False, None
    try:
        if origin is bool:
            if isinstance(value, str):
                low = value.strip().lower()
                if low in ("true", "1", "yes", "on"):
                    return True, True
                if low in ("false", "0", "no", "off", ""):
                    return True, False
                return False, None
            return True, bool(value)
        if origin is int:
            if isinstance(value, bool):
                return True, int(value)
            if isinstance(value, float) and not value.is_integer():
                return False, None
            return True, int(float(value)) if isinstance(value, str) else int(value)
        if origin is float:
            v = float(value)
            return (True, v) if v == v else (False, None)
        if origin is str:
            if isinstance(value, (list, dict)):
                return False, None
            return True, "" if value is None else str(value)
        if origin in (list, tuple, dict):
            if isinstance(value, str):
                value = json.loads(value) if value.strip() else origin()
            if not isinstance(value, (list, tuple, dict)):
                return False, None
            if origin is dict:
                return (True, dict(value)) if isinstance(value, dict) else (False, None)
            if isinstance(value, dict):
                return False, None
            args = typing.get_args(typ)
            if args and args[0] in (int, float, str):
                out = []
                for item in value:
                    ok, v = coerce(item, args[0], None)
                    if not ok:
                        return False, None
                    out.append(v)
                value = out
            return True, origin(value)
    except (TypeError, ValueError, RecursionError):
        return False, None
    return (True, value) if isinstance(value, origin) else (False, None)


def _store_key(cls: type[PageSettings]) -> str:
    return f"{SETTINGS_PREFIX}/{cls.SECTION}"


def legacy_values(store, section: str) -> dict:
    """ClusterLab 0.1.0's keys of ``section`` (``section/name`` -> value), as stored."""
    if store is None:
        return {}
    store.beginGroup(section)
    try:
        return {key: store.value(key) for key in store.childKeys()}
    finally:
        store.endGroup()


def load_settings(cls: type[PageSettings], store) -> PageSettings:
    """The page's settings from ``store`` (a QSettings, or None for the defaults)."""
    if store is None:
        return cls()
    raw = store.value(_store_key(cls))
    values: dict = {}
    version = cls.VERSION
    if raw:
        try:
            doc = json.loads(str(raw))
            values = dict(doc.get("values", {}))
            version = int(doc.get("version", cls.VERSION))
        except (ValueError, TypeError, AttributeError, RecursionError):
            values, version = {}, cls.VERSION
    else:
        values = legacy_values(store, cls.SECTION)
        version = 1
    if version < cls.VERSION:
        try:
            values = cls.migrate(values, version)
        except Exception:  # noqa: BLE001 - a damaged old file must not stop the app
            values = {}
    return cls.from_values(values)


def save_settings(settings: PageSettings, store) -> None:
    if store is None:
        return
    doc = {"version": type(settings).VERSION, "values": settings.to_values()}
    store.setValue(_store_key(type(settings)), json.dumps(doc, sort_keys=True))


# -- widgets ----------------------------------------------------------------------------------
def widget_value(widget: QWidget) -> Any:
    if hasattr(widget, "current_key"):
        return widget.current_key()
    if isinstance(widget, (QSpinBox, QDoubleSpinBox, QAbstractSlider)):
        return widget.value()
    if isinstance(widget, QAbstractButton):
        return widget.isChecked()
    if isinstance(widget, QComboBox):
        data = widget.currentData()
        return data if data is not None else widget.currentText()
    if isinstance(widget, QLineEdit):
        return widget.text()
    raise TypeError(f"Cannot bind a {type(widget).__name__}")


def set_widget_value(widget: QWidget, value: Any) -> None:
    """Show ``value`` in ``widget`` without emitting its change signals."""
    blocker = QSignalBlocker(widget)
    try:
        if hasattr(widget, "set_current_key"):
            widget.set_current_key(value)
        elif isinstance(widget, QSpinBox | QAbstractSlider):
            widget.setValue(int(value))
        elif isinstance(widget, QDoubleSpinBox):
            widget.setValue(float(value))
        elif isinstance(widget, QAbstractButton):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox):
            index = widget.findData(value)
            if index < 0:
                index = widget.findText(str(value))
            if index >= 0:
                widget.setCurrentIndex(index)
        elif isinstance(widget, QLineEdit):
            widget.setText(str(value))
        else:
            raise TypeError(f"Cannot bind a {type(widget).__name__}")
    finally:
        blocker.unblock()


def change_signal(widget: QWidget):
    if hasattr(widget, "key_changed"):
        return widget.key_changed
    if isinstance(widget, (QSpinBox, QDoubleSpinBox, QAbstractSlider)):
        return widget.valueChanged
    if isinstance(widget, QAbstractButton):
        return widget.toggled
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    if isinstance(widget, QLineEdit):
        return widget.editingFinished
    raise TypeError(f"Cannot bind a {type(widget).__name__}")


class Binder:
    """Binds the fields of a page's settings to widgets.

    ``bind(name, widget)`` shows the stored value in the widget (without
    signals) and saves the field whenever the widget changes. ``restore(values)``
    puts values back into the widgets, again without signals (the default error
    handler uses it to show the parameters of what is on screen).
    """

    def __init__(self, settings: PageSettings, store=None,
                 on_saved: Callable[[PageSettings], None] | None = None):
        self.settings = settings
        self.store = store
        self.widgets: dict[str, QWidget] = {}
        self._on_saved = on_saved

    def bind(self, name: str, widget: QWidget) -> QWidget:
        if name not in self.settings.field_types():
            raise KeyError(f"{type(self.settings).__name__} declares no setting '{name}'")
        self.widgets[name] = widget
        set_widget_value(widget, getattr(self.settings, name))
        change_signal(widget).connect(lambda *_, n=name: self._changed(n))
        return widget

    def value(self, name: str) -> Any:
        return getattr(self.settings, name)

    def set(self, **values: Any) -> None:
        """Change fields from code (not from a widget) and save them."""
        self.settings = self.settings.replace(**values)
        self.save()

    def restore(self, values: dict[str, Any] | None = None) -> None:
        """Show ``values`` (default: the current settings) in the bound widgets, silently."""
        values = self.settings.to_values() if values is None else values
        for name, value in values.items():
            widget = self.widgets.get(name)
            if widget is not None:
                set_widget_value(widget, value)
        known = {k: v for k, v in values.items() if k in self.settings.field_types()}
        if known:
            self.settings = self.settings.replace(**known)

    def save(self) -> None:
        save_settings(self.settings, self.store)
        if self._on_saved is not None:
            self._on_saved(self.settings)

    def _changed(self, name: str) -> None:
        ok, value = coerce(widget_value(self.widgets[name]),
                           self.settings.field_types()[name], None)
        if ok:
            self.settings = self.settings.replace(**{name: value})
            self.save()


# -- per-dataset state --------------------------------------------------------------------------
class DatasetStore:
    """A page's per-dataset state in one atomic JSON file of the data folder.

    The file holds ``{"version": N, "datasets": {key: {...}}}``. ``migrate(doc,
    version)`` turns an older document into the current ``datasets`` dict; a
    ``legacy`` callable can supply the state 0.1.0 kept elsewhere (a QSettings
    JSON value, an older file) when the file does not exist yet.
    """

    def __init__(self, path: Path, version: int = 1,
                 migrate: Callable[[dict, int], dict] | None = None,
                 legacy: Callable[[], dict | None] | None = None):
        self.path = Path(path)
        self.version = version
        self._migrate = migrate
        self.datasets: dict[str, dict] = {}
        self.error: str | None = None
        #: what happened to an unreadable file that was moved aside (for the message bar)
        self.notice: str | None = None
        file_writer.flush(self.path)  # (what this process gave for the file is read back)
        doc = load_json(self.path, None) if self.path.exists() else None
        if doc is not None and not (isinstance(doc, dict)
                                    and isinstance(doc.get("datasets", {}), dict)):
            doc = None  # JSON, but not this file's shape: damaged as well
        if doc is None and self.path.exists():
            aside = set_aside(self.path)
            if aside is None:
                self.error = f"'{self.path.name}' could not be read; it was left as it is."
            else:  # the page starts afresh, and the old file is kept for the person
                self.notice = (f"'{self.path.name}' could not be read; it was kept as "
                               f"{aside.name} in {aside.parent}, and this page starts afresh.")
        if doc is None and legacy is not None and not self.path.exists():
            legacy_doc = legacy()
            if legacy_doc:
                doc = {"version": 1, "datasets": legacy_doc}
        if isinstance(doc, dict):
            version_found = doc.get("version", 1)
            datasets = doc.get("datasets", {})
            if isinstance(version_found, int) and version_found < version and migrate:
                try:
                    datasets = migrate(doc, version_found)
                except Exception:  # noqa: BLE001
                    datasets = {}
            if isinstance(datasets, dict):
                self.datasets = {str(k): dict(v) for k, v in datasets.items()
                                 if isinstance(v, dict)}
            if version_found != version and self.error is None:
                self.save()

    def get(self, key: str, name: str, default: Any = None) -> Any:
        return self.datasets.get(key, {}).get(name, default)

    def set(self, key: str, name: str, value: Any) -> None:
        """Change a value: reads see it at once; the file is written in the background."""
        self.datasets.setdefault(key, {})[name] = value
        self.save_soon()

    def save(self) -> None:
        """Write the file now (after any background write of it); raises what it raises."""
        if self.error is None:  # never overwrite a file we could not read
            file_writer.writer_for(self.path).write_now(json_bytes(self._document()))

    def save_soon(self) -> None:
        """Write the file on its background writer (the newest state wins); returns at once.

        The state is taken here as compact JSON (the GUI thread changes ``datasets``; the
        C encoder takes a fifth of the time of the indented one), which the writer turns
        into the file's indented JSON."""
        if self.error is None:  # never overwrite a file we could not read
            snapshot = json.dumps(self._document())
            file_writer.write_soon(self.path, lambda: json_bytes(json.loads(snapshot)))

    def flush(self) -> None:
        """Wait until the background writes of the file are done."""
        file_writer.flush(self.path)

    @property
    def write_error(self) -> str | None:
        """Why the last write of the file failed (None when it succeeded)."""
        return file_writer.writer_for(self.path).error

    def _document(self) -> dict:
        return {"version": self.version, "datasets": self.datasets}


__all__ = [
    "Binder",
    "DatasetStore",
    "PageSettings",
    "coerce",
    "legacy_values",
    "load_settings",
    "save_settings",
    "set_widget_value",
    "widget_value",
]
