"""The access log never records a credential, whatever a client put in a URL."""

from __future__ import annotations

import logging
import sys

import pytest

from api.logs import RedactCredentials, redact


def access_record(path: str) -> logging.LogRecord:
    # the shape of uvicorn's access log record
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200), None,
    )


def test_a_token_in_a_query_string_is_redacted_from_the_access_log() -> None:
    record = access_record("/v1/agent/events?token=s3cr3t-value&since=4")
    assert RedactCredentials().filter(record)
    line = record.getMessage()
    assert "s3cr3t-value" not in line
    assert "token=[redacted]" in line and "since=4" in line


def test_every_credential_looking_parameter_is_redacted_and_the_rest_kept() -> None:
    assert redact("/x?api_key=a&page=2&password=b&session=c") == (
        "/x?api_key=[redacted]&page=2&password=[redacted]&session=[redacted]"
    )
    assert redact("/v1/conversations/abc/events") == "/v1/conversations/abc/events"


def test_a_card_number_anywhere_in_a_url_is_masked_in_the_access_log() -> None:
    masked = "•••• •••• •••• 1111"
    assert redact("/v1/conversations/4111111111111111") == f"/v1/conversations/{masked}"
    assert redact("/?card=4111-1111-1111-1111") == f"/?card={masked}"
    assert redact("/v1/agent/canned-responses?q=4111%201111%201111%201111") == f"/v1/agent/canned-responses?q={masked}"
    assert redact("/v1/agent/events?last_event_id=5555555555554444") == "/v1/agent/events?last_event_id=•••• •••• •••• 4444"
    assert redact("/v1/agent/canned-responses?q=refund%20policy") == "/v1/agent/canned-responses?q=refund%20policy"  # as sent
    assert "SECRET" not in redact("/x?to%6Ben=SECRET&n=4111111111111111")  # an encoded name is still a token


@pytest.mark.parametrize("control", ["%0A", "%0d%0a", "%1B", "%7f", "%C2%85", "%E2%80%A8"])
def test_a_url_cannot_write_a_line_of_its_own_into_the_log_by_holding_a_card_number(control) -> None:
    forged = f"/healthz?q=4111111111111111{control}INFO:%20%20127.0.0.1:1%20-%20%22POST%20/v1/admin/agents%22%20201"
    line = redact(f'127.0.0.1:5 - "GET {forged} HTTP/1.1" 200')
    assert "4111111111111111" not in line and "1111" in line
    assert len(line.splitlines()) == 1 and "\x1b" not in line and "\x7f" not in line and "\x85" not in line
    assert control in line  # shown as it was sent


def test_our_own_log_lines_are_redacted_tracebacks_included(capsys) -> None:
    import logging

    from api.logs import RedactingFormatter

    formatter = RedactingFormatter("%(message)s")
    try:
        raise ValueError("card 4111 1111 1111 1111 refused")
    except ValueError:
        record = logging.LogRecord("api.x", logging.ERROR, __file__, 1, "failed for %s", ("4111111111111111",), sys.exc_info())
    line = formatter.format(record)
    assert "4111 1111" not in line and "4111111111111111" not in line and "ValueError" in line


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_real_server_access_log_keeps_no_token_a_client_put_in_a_url(settings, kb) -> None:
    """uvicorn's own access log, as `switchboard serve` writes it: a client that still sends
    `?token=` is refused, and the line that records it has the value redacted."""
    import httpx

    from api.app import create_app

    from .live_server import serve

    collect = Collect()
    with serve(create_app(settings, kb), log_level="info") as url:
        access = logging.getLogger("uvicorn.access")
        access.addHandler(collect)
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                created = http.post("/v1/conversations").json()
                http.cookies.clear()  # a client with only a token, which it puts in the URL
                path = f"/v1/conversations/{created['id']}?token={created['token']}"
                assert http.get(path).status_code == 401
        finally:
            access.removeHandler(collect)
    logged = "\n".join(collect.lines)
    assert f"/v1/conversations/{created['id']}?token=[redacted]" in logged
    assert created["token"] not in logged


def test_the_server_says_at_start_up_which_handoff_threshold_it_runs_with(data_dir, tmp_path) -> None:
    from .live_server import switchboard_worker

    log = tmp_path / "serve.log"
    with log.open("w") as stderr, switchboard_worker(data_dir, stderr=stderr):
        pass
    lines = log.read_text().splitlines()
    assert any(line.startswith("INFO:     assistant.thresholds: handoff threshold ") for line in lines), lines
