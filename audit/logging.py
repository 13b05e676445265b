from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"']*")


class StripQueryStringFilter(logging.Filter):
    """Cuts query strings out of log lines (runserver's access log, "Not Found: ..." warnings).

    Paths carry ids only; query strings carry filters, and nobody should have to prove that a
    filter value is never PHI.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "?" in record.msg:
            record.msg = _QUERY.sub("?…", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY.sub("?…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
