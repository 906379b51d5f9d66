"""`sitelayouts ops …`: the runbook as commands, for either queue and storage backend (docs/runbook.md)."""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.errors import InvalidInput

if TYPE_CHECKING:
    from app.services import Services

ops_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True)
dlq_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True, help="The dead-letter queue.")
queue_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True, help="The layout-jobs queue.")
layouts_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True, help="Layouts.")
storage_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True, help="Storage lifecycle.")
lifecycle_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True, help="S3 lifecycle rules.")
ops_app.add_typer(dlq_app, name="dlq")
ops_app.add_typer(queue_app, name="queue")
ops_app.add_typer(layouts_app, name="layouts")
ops_app.add_typer(storage_app, name="storage")
users_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True, help="Users.")
ops_app.add_typer(users_app, name="users")
storage_app.add_typer(lifecycle_app, name="lifecycle")

DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration_s(text: str) -> float:
    """'10m' → 600.0 [s]; plain numbers are seconds."""
    match = DURATION.match(text.strip().lower())
    if not match:
        raise InvalidInput(f"{text!r} is not a duration: use e.g. 90s, 10m, 2h, 1d")
    return float(match.group(1)) * UNIT_S[match.group(2)]


def _services() -> Services:
    # Imported on use: `sitelayouts --help` must not pay for SQLAlchemy, boto3 and settings.
    from app.config import get_settings
    from app.services import build_services

    return build_services(get_settings())


def _confirm(what: str, yes: bool) -> None:
    if not yes and not typer.confirm(f"{what}?", default=False):
        raise typer.Exit(1)


@ops_app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False) -> None:
    """Health, queue depth, in flight, DLQ depth, oldest message, layouts by status, stuck jobs, workers.

    Exit status: 0 all well, 1 unhealthy (database or queue down), 2 warnings (dead letters waiting,
    stuck jobs, messages but no worker)."""
    from app.ops.status import collect_status

    services = _services()
    try:
        report = collect_status(services)
    finally:
        services.close()
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
    else:
        _print_status(report)
    if not report.get("healthy"):
        raise typer.Exit(1)
    if report.get("warnings"):
        raise typer.Exit(2)


def _print_status(r: dict[str, Any]) -> None:
    ok = ("WARNING" if r.get("warnings") else "OK") if r.get("healthy") else "UNHEALTHY"
    typer.echo(f"Site Layouts: {ok}   (queue backend: {r['queue_backend']}, checked {r['checked_at']})")
    for warning in r.get("warnings", []):
        typer.echo(f"  WARNING         {warning}")
    typer.echo(
        f"  database        {'ok' if r['database']['ok'] else 'DOWN: ' + r['database'].get('error', '')}"
    )
    if "queue" in r and not r["queue"]["ok"]:
        typer.echo(f"  queue           DOWN: {r['queue']['error']}")
    if "queue_depth" in r:
        age = r.get("oldest_message_age_s")
        typer.echo(
            f"  queue depth     {r['queue_depth']}  (in flight {r['in_flight']}, oldest "
            f"{'-' if age is None else f'{age:.0f} s'})"
        )
        typer.echo(f"  DLQ depth       {r['dlq_depth']}")
    if "layouts_by_status" in r:
        by = ", ".join(f"{k} {v}" for k, v in sorted(r["layouts_by_status"].items())) or "none"
        typer.echo(f"  layouts         {by}")
        hour = r["jobs_last_hour"]
        typer.echo(
            f"  last hour       completed {hour['completed']}, failed {hour['failed']}, "
            f"cancelled {hour['cancelled']}; p50 {r['processing_p50_s']} s, p95 {r['processing_p95_s']} s"
        )
        typer.echo(
            f"  stuck jobs      {len(r['stuck_jobs'])}"
            + "".join(f"\n    {s['layout_id']} (heartbeat {s['heartbeat_at']})" for s in r["stuck_jobs"])
        )
        typer.echo(
            f"  workers         {sum(w['alive'] for w in r['workers'])} alive of {len(r['workers'])}"
            + "".join(
                f"\n    {w['worker_id']}: seen {w['last_seen_s']} s ago, {w['jobs_done']} jobs"
                + (f", on {w['current_layout_id']}" if w["current_layout_id"] else "")
                for w in r["workers"]
            )
        )


@dlq_app.command("list")
def dlq_list(limit: Annotated[int, typer.Option(min=1, max=1000)] = 10) -> None:
    """Show dead letters without consuming them."""
    services = _services()
    try:
        for m in services.queue.dlq_list(limit=limit):
            typer.echo(
                f"{m.message_id}  layout {m.body.get('layout_id')}  receives {m.receive_count}  "
                f"sent {m.sent_at.isoformat()}"
            )
    finally:
        services.close()


@dlq_app.command("redrive")
def dlq_redrive(
    message_ids: Annotated[list[str] | None, typer.Argument(help="message ids (see dlq list)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="redrive every dead letter")] = False,
) -> None:
    """Move dead letters back to the queue and their layouts back to queued."""
    from app.jobs.maintenance import redrive_dead_letters

    if not all_ and not message_ids:
        raise InvalidInput("give message ids or --all")
    services = _services()
    try:
        with services.write_session_factory.begin() as session:
            ids = redrive_dead_letters(
                session=session, queue=services.queue, message_ids=None if all_ else message_ids
            )
    finally:
        services.close()
    typer.echo(f"redrove {len(ids)} message(s): {', '.join(ids) or '-'}")


@dlq_app.command("purge")
def dlq_purge(yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask")] = False) -> None:
    """Delete every dead letter."""
    _confirm("Delete every message in the dead-letter queue", yes)
    services = _services()
    try:
        typer.echo(f"purged {services.queue.dlq_purge()} dead letter(s)")
    finally:
        services.close()


@queue_app.command("purge")
def queue_purge(yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask")] = False) -> None:
    """Delete every waiting message. Database queue: workers re-send a message for a layout still
    queued after ORPHAN_QUEUED_AFTER_S (cancel the layouts to stop them); SQS: `ops layouts retry ID`."""
    _confirm("Delete every message in the layout-jobs queue", yes)
    services = _services()
    try:
        typer.echo(f"purged {services.queue.purge()} message(s)")
    finally:
        services.close()


@queue_app.command("create")
def queue_create(
    name: Annotated[str, typer.Argument(help="the queue's name; its DLQ is NAME-dlq")] = "layout-jobs",
    region: Annotated[str, typer.Option(envvar="AWS_REGION", help="AWS region")] = "us-east-1",
    endpoint_url: Annotated[
        str | None,
        typer.Option(envvar="AWS_ENDPOINT_URL", help="an SQS-compatible endpoint (moto, LocalStack)"),
    ] = None,
) -> None:
    """Create the SQS queue NAME and its dead-letter queue NAME-dlq with infra/terraform/sqs.tf's settings
    (visibility 300 s, retention 4 d / DLQ 14 d, 20 s long poll, redrive after 3 receives), for a local or
    staging SQS; Terraform creates them in AWS. Idempotent. Prints the SQS_QUEUE_URL / SQS_DLQ_URL lines."""
    from app.queue.sqs import ensure_queues

    url, dlq = ensure_queues(name=name, region=region, endpoint_url=endpoint_url)
    typer.echo(f"SQS_QUEUE_URL={url}")
    typer.echo(f"SQS_DLQ_URL={dlq}")


@ops_app.command("requeue-stuck")
def requeue_stuck_cmd(
    older_than: Annotated[str, typer.Option("--older-than", help="heartbeat age, e.g. 10m")] = "10m",
) -> None:
    """Put layouts stuck in processing (stale heartbeat) back in the queue."""
    from app.jobs.maintenance import requeue_stuck

    seconds = parse_duration_s(older_than)
    services = _services()
    try:
        with services.write_session_factory.begin() as session:
            ids = requeue_stuck(
                session=session,
                queue=services.queue,
                older_than_s=seconds,
                max_attempts=services.settings.max_receive_count,
            )
    finally:
        services.close()
    typer.echo(f"requeued {len(ids)} stuck layout(s): {', '.join(ids) or '-'}")


@layouts_app.command("retry")
def layouts_retry(layout_id: Annotated[str, typer.Argument(help="the layout id")]) -> None:
    """Queue a failed, cancelled or queued (e.g. after a purge) layout again."""
    from app.db import crud
    from app.db.models import LayoutStatus
    from app.jobs import lifecycle

    try:
        lid = uuid.UUID(layout_id)
    except ValueError:
        raise InvalidInput(f"{layout_id!r} is not a layout id") from None
    services = _services()
    try:
        with services.write_session_factory.begin() as session:
            layout = crud.get_layout(session=session, layout_id=lid, owner_id=None)
            retryable = (LayoutStatus.failed.value, LayoutStatus.cancelled.value, LayoutStatus.queued.value)
            if layout.status not in retryable:
                raise InvalidInput(
                    f"layout {lid} is {layout.status}; only failed, cancelled or queued layouts are retried"
                )
            lifecycle.retry(session=session, queue=services.queue, layout=layout)
    finally:
        services.close()
    typer.echo(f"layout {lid} queued again")


@lifecycle_app.command("apply")
def lifecycle_apply() -> None:
    """Put the C-06 lifecycle rules on the S3 buckets: exactly those of infra/terraform/s3.tf (uploads
    90 d, terrain/ and outputs/ 30 d, noncurrent versions 30 d / 7 d, unfinished multipart uploads 7 d)."""
    from app.storage.lifecycle import apply_s3_lifecycle
    from app.storage.s3 import S3Storage

    services = _services()
    try:
        if not isinstance(services.storage, S3Storage):
            raise InvalidInput("STORAGE_BACKEND is local: use `sitelayouts ops storage sweep` instead")
        for bucket, rules in apply_s3_lifecycle(services.storage).items():
            typer.echo(f"{bucket}: {', '.join(rules)}")
    finally:
        services.close()


@storage_app.command("sweep")
def storage_sweep(dry_run: Annotated[bool, typer.Option("--dry-run", help="only list")] = False) -> None:
    """Apply the lifecycle rules to the local storage folder (S3 applies them itself)."""
    from app.storage.lifecycle import sweep

    services = _services()
    try:
        removed = sweep(services.storage, dry_run=dry_run)
    finally:
        services.close()
    verb = "would delete" if dry_run else "deleted"
    for rule, keys in removed.items():
        typer.echo(f"{rule}: {verb} {len(keys)} object(s)")


@users_app.command("admin")
def users_admin(
    email: Annotated[str, typer.Argument(help="the user's e-mail (OIDC users: after their first login)")],
    revoke: Annotated[bool, typer.Option("--revoke", help="take the admin right away")] = False,
) -> None:
    """Make a user an administrator (the web app's Ops view), or revoke it."""
    from app.db import crud

    services = _services()
    try:
        with services.write_session_factory.begin() as session:
            user = crud.get_user_by_email(session=session, email=email)
            if user is None:
                raise InvalidInput(f"no user with e-mail {email!r}")
            user.is_admin = not revoke
    finally:
        services.close()
    typer.echo(f"{email}: {'not ' if revoke else ''}an administrator")
