"""The store: documents keyed by content hash, machine suggestions, reviewer decisions."""

from pipeline.store.db import database_url, make_engine, migrate, open_store
from pipeline.store.models import Base, Decision, Document, Item, Run, SourceFile

__all__ = ["Base", "Decision", "Document", "Item", "Run", "SourceFile",
           "database_url", "make_engine", "migrate", "open_store"]
