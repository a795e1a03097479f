"""The ``minutes`` command line.

Subcommands are imported only when run, so ``minutes --help`` is quick and
a command never pays for another's imports (Prefect, the web app …).
"""

from __future__ import annotations

import importlib
import sys

import click

# name -> (module:attribute, one-line help shown by `minutes --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": ("pipeline.commands.ingest:ingest", "Read files or folders and store their records (through the Prefect flow)."),
    "show": ("pipeline.commands.show:show", "Show one document's records, each with its source sentence."),
    "export": ("pipeline.commands.export:export", "Export records as JSON (SCHEMA.md), CSV, gold records or an Excel workbook."),
    "report": ("pipeline.commands.report:report", "Write a Word summary report (Vietnamese) with its figures' sources."),
    "eval": ("pipeline.commands.evaluate:eval_cmd", "Score extraction against gold records (P/R/F1, calibration)."),
    "train": ("pipeline.commands.train:train", "Train the extraction model on annotated documents (gold records)."),
    "watch": ("pipeline.watch.cli:watch", "Watch ROOT/inbox and process each file dropped there."),
    "serve": ("pipeline.watch.cli:serve", "Run the scheduled batch deployment and the watcher (Prefect serve)."),
    "review": ("pipeline.review.cli:review", "Serve the review web page."),
    "user": ("pipeline.review.cli:user", "Manage reviewer accounts."),
    "bench": ("pipeline.bench:bench", "Benchmark the stages and print figures and ratios."),
    "server": ("pipeline.commands.server:server", "The background Prefect server commands share: status, stop, start."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (target, _) in COMMANDS.items() if _module_exists(target.split(":")[0])]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name][0].split(":")
        if not _module_exists(module):
            return None
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="minutes")
def main() -> None:
    """minutes: Vietnamese meeting reports and minutes (Word, PDF, text) into reviewed, structured records.

    Every command that touches the database takes --db URL (default:
    $MINUTES_DATABASE_URL, then sqlite:///output/minutes.db).

    \b
    Example:
      minutes ingest samples/
      minutes show samples/bao_cao_hoi_nghi.docx
      minutes export --format json --out output/json
    """


if __name__ == "__main__":
    sys.exit(main())
