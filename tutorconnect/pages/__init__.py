"""One module per route. Importing this package registers every page: each module's
`@page(...)` decorator adds its route when the module is imported, so a new page is just
a new module here."""

from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
