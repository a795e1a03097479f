"""review page: users, current reviewed state per item (optimistic locking), who closed a document

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

- ``users``: reviewer accounts (argon2 password hashes).
- ``reviews``: one row per reviewed item (document, field, key) holding the
  current reviewed value and state, with a ``version`` column that every
  change increments (a save names the version it saw; a stale one is a
  conflict). ``decisions`` stays the append-only history.
- ``decisions.version``: the review version a decision produced.
- ``documents.reviewed_by`` / ``reviewed_at``: who marked the document reviewed.

Decisions recorded before this revision are folded into ``reviews`` (the
latest decision per item wins).
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_STATE = {"accept": "accepted", "edit": "edited", "reject": "rejected", "add": "added"}


def upgrade() -> None:
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=1024), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('suggestion', sa.JSON(), nullable=True),
    sa.Column('start', sa.Integer(), nullable=True),
    sa.Column('end', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reviewer', sa.String(length=128), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'field', 'key', name='uq_reviews_document_field_key')
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_document_id'), ['document_id'], unique=False)
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=True))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))

    _fold_decisions()


def _fold_decisions() -> None:
    """Current state per item from the decisions written before this revision."""
    meta = sa.MetaData()
    decisions = sa.Table('decisions', meta, autoload_with=op.get_bind())
    items = sa.Table('items', meta, autoload_with=op.get_bind())
    reviews = sa.Table('reviews', meta, autoload_with=op.get_bind())
    bind = op.get_bind()
    latest: dict = {}
    for d in bind.execute(sa.select(decisions).order_by(decisions.c.id)).mappings():
        latest[(d['document_id'], d['field'], d['key'])] = d
    for (doc, field, key), d in latest.items():
        suggestion = None
        if d['item_id'] is not None:
            suggestion = bind.execute(sa.select(items.c.value).where(items.c.id == d['item_id'])).scalar()
        value = d['after'] if d['after'] is not None else (d['before'] if d['before'] is not None else suggestion)
        bind.execute(reviews.insert().values(
            document_id=doc, field=field, key=key, state=_STATE.get(d['action'], 'accepted'), value=value,
            suggestion=suggestion, start=d['start'], end=d['end'], version=1, reviewer=d['reviewer'],
            updated_at=d['created_at']))


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_document_id'))
    op.drop_table('reviews')
    op.drop_table('users')
