"""learning from reviews: machine acceptances, settings, training runs, login throttling, session versions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

- ``decisions.machine`` / ``reviews.machine``: the decision (or the current
  reviewed state) is the machine's auto-acceptance above an administrator's
  threshold, never a person's.
- ``settings``: page settings an administrator changes (auto-accept
  thresholds per field, the confidence below which a value needs checking),
  with who changed them and when.
- ``training_runs``: every retraining (from the page, the schedule or the
  command line): its state, who started it, the model it made and the
  training set's make-up.
- ``login_failures``: failed logins per account and per address (throttling).
- ``users.session_version``: a session names the version it was made under;
  disabling an account bumps it, which ends its sessions at once.
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('machine', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('machine', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('updated_by', sa.String(length=128), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('training_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('started_by', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.Column('model_hash', sa.String(length=32), nullable=True),
    sa.Column('documents', sa.Integer(), nullable=True),
    sa.Column('make_up', sa.JSON(), nullable=True),
    sa.Column('reextracted', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=256), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scope', 'subject', name='uq_login_failures_scope_subject')
    )


def downgrade() -> None:
    op.drop_table('login_failures')
    op.drop_table('training_runs')
    op.drop_table('settings')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_column('machine')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('machine')
