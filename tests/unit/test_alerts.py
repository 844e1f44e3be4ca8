"""Alerts: the kind of an error, what each channel receives, and that a broken channel is skipped."""

from __future__ import annotations

import json
import logging

import pytest

from lakehouse.alerts import Alert, kind_of, send
from spark_apps.config import AlertChannel, AlertsConfig
from tests.alert_servers import SmtpServer, WebhookServer

BREACH = "quality gate 'raw' failed: 1 check(s) breached\n  raw.customers: rule email_format pass rate 70.00% < 90.00%"
ALERT = Alert(
    kind=kind_of(BREACH),
    dag_id="landing_to_raw",
    task_id="ingest",
    run_id="manual__2026-03-01",
    try_number=1,
    error=BREACH,
    log_url="http://localhost:8080/dags/landing_to_raw/runs/manual__2026-03-01/tasks/ingest?try_number=1",
    run_url="http://localhost:8080/dags/landing_to_raw/runs/manual__2026-03-01",
)


@pytest.fixture
def webhook(monkeypatch):
    server = WebhookServer()
    monkeypatch.setenv("AIRFLOW_CONN_HOOK_UNDER_TEST", server.connection())
    yield server
    server.close()


@pytest.fixture
def smtp(monkeypatch):
    server = SmtpServer()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_UNDER_TEST", server.connection())
    yield server
    server.close()


def test_a_quality_gate_error_is_a_breach_and_anything_else_a_failure():
    assert kind_of(BREACH) == "quality_breach"
    assert kind_of("Cannot execute: spark-submit ... Error code is: 1") == "failure"
    assert kind_of("freshness SLA missed: 1 table(s)\n  raw.transactions: last updated 30.0 h ago") == "sla_miss"


def test_the_webhook_gets_every_field_and_a_slack_ready_text(webhook):
    cfg = AlertsConfig(channels=[AlertChannel(type="webhook", conn_id="hook_under_test", endpoint="/hooks/a")])

    assert send(cfg, ALERT) == ["webhook"]

    ((path, body),) = webhook.received
    assert path == "/hooks/a"
    assert body["kind"] == "quality_breach" and body["error"] == BREACH
    assert body["log_url"] == ALERT.log_url and body["run_url"] == ALERT.run_url
    assert body["text"].startswith("[lakehouse] quality threshold breached: landing_to_raw.ingest")
    assert "rule email_format pass rate 70.00%" in body["text"] and ALERT.log_url in body["text"]


def test_the_email_names_the_task_and_links_the_log(smtp):
    cfg = AlertsConfig(channels=[AlertChannel(type="email", conn_id="smtp_under_test", to=["oncall@example.com"])])

    assert send(cfg, ALERT) == ["email"]

    (message,) = smtp.messages
    assert message["To"] == "oncall@example.com"
    assert message["Subject"] == ALERT.title
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    assert "rule email_format pass rate 70.00%" in html and ALERT.log_url.replace("&", "&amp;") in html


def test_a_broken_channel_is_logged_and_the_others_still_send(webhook, caplog):
    cfg = AlertsConfig(
        channels=[
            AlertChannel(type="webhook", conn_id="no_such_connection"),
            AlertChannel(type="log"),
            AlertChannel(type="webhook", conn_id="hook_under_test"),
        ]
    )

    with caplog.at_level(logging.WARNING):
        assert send(cfg, ALERT) == ["log", "webhook"]

    assert "alert channel webhook (no_such_connection) failed" in caplog.text
    assert "ALERT [lakehouse] quality threshold breached" in caplog.text
    assert len(webhook.received) == 1


def test_events_not_enabled_send_nothing(webhook):
    cfg = AlertsConfig(events=["quality_breach"], channels=[AlertChannel(type="webhook", conn_id="hook_under_test")])
    failure = Alert(**{**ALERT.__dict__, "kind": "failure"})

    assert send(cfg, failure) == []
    assert webhook.received == []
    assert json.loads(json.dumps(ALERT.payload()))["title"] == ALERT.title


def test_channels_are_validated_at_load():
    with pytest.raises(ValueError, match="needs conn_id"):
        AlertChannel(type="webhook")
    with pytest.raises(ValueError, match="at least one address"):
        AlertChannel(type="email", conn_id="smtp")
