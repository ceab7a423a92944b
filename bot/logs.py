"""Log lines for a log collector (LOG_FORMAT=json): one JSON object per line with the time,
level, logger, message and the ids a caller passed with ``extra=`` — never other extras, and
for an exception only its type and place in our code, since its message or traceback can
quote what a person wrote (SQL parameters, a validator's input)."""

import json
import logging
from datetime import UTC, datetime

from storage.inbox import failure_reason

IDS = ("channel", "update_id", "contact_id", "outbox_id")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({key: getattr(record, key) for key in IDS
                     if getattr(record, key, None) is not None})
        if record.exc_info and record.exc_info[1] is not None:
            line["error"] = failure_reason(record.exc_info[1])
        return json.dumps(line, ensure_ascii=False, default=str)
