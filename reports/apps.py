from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Administrator reports"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from .selectors.common import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="reports_sqlite_fns")
