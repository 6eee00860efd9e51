"""The demo departments, each a module with ``CODE`` and ``build(ctx)``, in build order."""

from __future__ import annotations

from collections.abc import Callable

from govdata.demo.context import Context
from govdata.demo.departments import gaj, jtysj, jyj, mzj, rsj, scjgj, wsjkw
from govdata.demo.model import DepartmentData

#: Authorities (公安, 市场监管) come first so their copies can be checked as the others are built.
BUILDERS: dict[str, Callable[[Context], DepartmentData]] = {
    module.CODE: module.build for module in (gaj, scjgj, wsjkw, rsj, jtysj, jyj, mzj)
}
