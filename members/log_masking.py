"""A logging filter that masks phones and e-mails in every log line (PIPL: logs are read by people
who may not see them). The request log carries query strings — a search for a full mobile is one —
and error messages may quote a bad row's values."""

import logging

from .masking import mask_text


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
