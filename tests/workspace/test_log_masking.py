import logging

from config.settings import base
from members.log_masking import MaskPersonalData


def test_a_logged_search_for_a_full_mobile_is_masked():
    # given the development server's request line for a search by a full mobile
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                               ("GET /workspace/search/?q=13900001234 HTTP/1.1", "200", "5120"), None)
    # when it passes the filter
    kept = MaskPersonalData().filter(record)
    # then the line is kept with the number masked
    assert kept and record.getMessage() == '"GET /workspace/search/?q=139****1234 HTTP/1.1" 200 5120'


def test_a_line_without_personal_data_is_left_as_it_was():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "imported %s rows", (12,), None)
    assert MaskPersonalData().filter(record) and record.msg == "imported %s rows" and record.args == (12,)


def test_every_configured_log_handler_masks():
    # given the production / development logging configuration
    handlers = base.LOGGING["handlers"]
    # then no handler writes a line without the masking filter
    assert handlers and all("mask_personal_data" in handler.get("filters", ()) for handler in handlers.values())
