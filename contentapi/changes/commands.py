"""``contentapi webhooks run|list|new-secret``: the delivery worker as its own process (several
machines, or servers that should not deliver), the deliveries and failures per partner, and a new
signing secret."""

from __future__ import annotations

import json
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from contentapi.changes.webhooks import new_secret, worker_lock
from contentapi.cli import fail

webhooks = AppGroup("webhooks", help="Webhooks: deliver the change feed to partners, list deliveries.")


def _changes():
    from contentapi.web.changes import EXTENSION

    return current_app.extensions[EXTENSION]


@webhooks.command("run")
@click.option("--once", is_flag=True, help="One pass (enqueue and send what is due), then exit.")
@click.option("--interval", type=float, default=0.5, show_default=True, help="Seconds between passes.")
def run(once: bool, interval: float) -> None:
    """Deliver the change feed to every registered webhook until stopped (one worker per outbox)."""
    from contentapi.delivery.factory import EXTENSION as SERVICE

    changes = _changes()
    service = current_app.extensions[SERVICE].service
    worker = changes.worker(service)
    with worker_lock(changes.folder / "webhooks.lock") as held:
        if not held:
            fail(f"another process delivers from {changes.outbox.path} (it holds {changes.folder / 'webhooks.lock'})")
        if once:
            written, attempted = worker.run_once()
            click.echo(f"{written} deliveries queued, {attempted} attempted")
            return
        click.echo(f"delivering to {sum(len(p.webhooks) for p in changes.registry.partners.values())} webhooks; "
                   "Ctrl-C stops")
        try:
            worker.run(threading.Event(), interval)
        except KeyboardInterrupt:
            pass


@webhooks.command("list")
@click.option("--partner", help="Only this partner's deliveries.")
@click.option("--status", type=click.Choice(["pending", "delivered", "failed"]), help="Only these.")
@click.option("--limit", type=int, default=50, show_default=True)
def list_deliveries(partner: str | None, status: str | None, limit: int) -> None:
    """Recent deliveries, newest first, as JSON lines."""
    for item in _changes().outbox.deliveries(partner, status, limit):
        click.echo(json.dumps(item, ensure_ascii=False))


@webhooks.command("new-secret")
def secret() -> None:
    """Print a new signing secret (whsec_...) for a partner's webhook entry."""
    click.echo(new_secret())


def init_app(app: Flask) -> None:
    """Register ``contentapi webhooks``."""
    app.cli.add_command(webhooks)
