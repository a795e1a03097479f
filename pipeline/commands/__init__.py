"""Implementations of the ``minutes`` subcommands (one module each)."""

import click

db_option = click.option("--db", "db", metavar="URL", default=None, envvar="MINUTES_DATABASE_URL",
                         help="SQLAlchemy database URL [default: $MINUTES_DATABASE_URL or sqlite:///output/minutes.db]")
