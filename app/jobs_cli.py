"""`flask --app app worker [--once] [--poll S]`: run the queued jobs (atlases, exports, imports)."""

import click


@click.command("worker")
@click.option("--once", is_flag=True, help="Stop when the queue is empty instead of waiting for more.")
@click.option(
    "--poll", type=click.FloatRange(min=0.1), default=2.0, help="Seconds between looks at the queue."
)
def worker(once: bool, poll: float) -> None:
    """Run queued jobs (atlases, exports, imports from the web), printing their progress."""
    from . import jobs

    ran = jobs.work(once=once, poll=poll, echo=click.echo)
    click.echo(f"{ran} job(s) run.")


@click.command("prune-jobs")
@click.option(
    "--days", type=click.IntRange(min=1), default=30, show_default=True, help="Keep files this recent."
)
def prune_jobs(days: int) -> None:
    """Remove finished jobs' files and unused uploads older than DAYS (the jobs' records stay)."""
    from datetime import timedelta

    from . import jobs
    from .importers.views import upload_folder

    cleared, removed = jobs.prune(older_than=timedelta(days=days), uploads=upload_folder())
    click.echo(f"{cleared} job file(s) and {removed} upload(s) older than {days} days removed.")
