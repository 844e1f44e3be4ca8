"""Alerts: what went wrong, with the links to see it, sent to the channels the environment config names
(the task log, email through an SMTP connection, a webhook such as Slack's through an HTTP connection).

A channel that fails (no such connection, server down) is logged and skipped: an alert must never
replace the error it reports."""

from __future__ import annotations

import html
import json
import logging
from dataclasses import asdict, dataclass

from spark_apps.config import AlertChannel, AlertsConfig

log = logging.getLogger(__name__)

QUALITY_BREACH_MARK = "quality gate '"  # how QualityGateError's message starts
SLA_MISS_MARK = "freshness SLA missed"  # how FreshnessError's message starts


@dataclass(frozen=True)
class Alert:
    kind: str  # failure | quality_breach | sla_miss
    dag_id: str
    task_id: str
    run_id: str
    try_number: int | None
    error: str
    log_url: str | None
    run_url: str | None

    @property
    def title(self) -> str:
        what = {"quality_breach": "quality threshold breached", "sla_miss": "freshness SLA missed"}.get(
            self.kind, "task failed"
        )
        return f"[lakehouse] {what}: {self.dag_id}.{self.task_id} ({self.run_id})"

    def text(self) -> str:
        return f"{self.title}\n{self.error}\nLog: {self.log_url}\nRun: {self.run_url}"

    def payload(self) -> dict:
        """The webhook body: every field, plus ``text`` so a Slack incoming webhook shows it as is."""
        return {**asdict(self), "title": self.title, "text": self.text()}


def kind_of(error: str) -> str:
    if QUALITY_BREACH_MARK in error:
        return "quality_breach"
    return "sla_miss" if SLA_MISS_MARK in error else "failure"


def send(cfg: AlertsConfig, alert: Alert) -> list[str]:
    """Send ``alert`` to every channel when its kind is enabled; returns the channels that took it."""
    if alert.kind not in cfg.events:
        return []
    sent: list[str] = []
    for channel in cfg.channels:
        try:
            _SENDERS[channel.type](channel, alert)
            sent.append(channel.type)
        except Exception as exc:
            log.warning("alert channel %s (%s) failed: %s", channel.type, channel.conn_id, exc)
    return sent


def _to_log(channel: AlertChannel, alert: Alert) -> None:
    log.error("ALERT %s", alert.text())


def _to_email(channel: AlertChannel, alert: Alert) -> None:
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    body = (
        f"<p><b>{html.escape(alert.title)}</b></p><pre>{html.escape(alert.error)}</pre>"
        f'<p><a href="{html.escape(alert.log_url or "")}">Task log</a> · '
        f'<a href="{html.escape(alert.run_url or "")}">DAG run</a></p>'
    )
    with SmtpHook(smtp_conn_id=channel.conn_id) as hook:  # type: ignore[arg-type]
        hook.send_email_smtp(to=channel.to, subject=alert.title, html_content=body)


def _to_webhook(channel: AlertChannel, alert: Alert) -> None:
    from airflow.providers.http.hooks.http import HttpHook

    HttpHook(method="POST", http_conn_id=channel.conn_id).run(  # type: ignore[arg-type]
        channel.endpoint, data=json.dumps(alert.payload()), headers={"Content-Type": "application/json"}
    )


_SENDERS = {"log": _to_log, "email": _to_email, "webhook": _to_webhook}
