"""hardening: folder in the sync cursor, backlog and flags on inbound mail, outbox statuses, the cap table

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The sync cursor is per (mailbox, folder): a folder changed in the config starts its own count.
    # A new table and a copy: changing a primary key in place differs between SQLite and PostgreSQL.
    _cursor_table('mailbox_state_new', with_folder=True)
    op.execute("INSERT INTO mailbox_state_new (mailbox, folder, uidvalidity, last_uid, updated_at) "
               "SELECT mailbox, 'INBOX', uidvalidity, last_uid, updated_at FROM mailbox_state")
    op.drop_table('mailbox_state')
    op.rename_table('mailbox_state_new', 'mailbox_state')

    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_answer', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('flags', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('source_key', existing_type=sa.String(length=200), type_=sa.String(length=400))

    # Outbox statuses as `mailbot outbox list` shows them: queued | deferred | sent | failed.
    op.execute("UPDATE outbox SET status = CASE WHEN attempts > 0 THEN 'deferred' ELSE 'queued' END "
               "WHERE status = 'pending'")

    op.create_table('automatic_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('automatic_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_automatic_answers_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_automatic_answers_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_automatic_answers_outbox_id'), ['outbox_id'], unique=False)


def downgrade() -> None:
    op.drop_table('automatic_answers')
    op.execute("UPDATE outbox SET status = 'pending' WHERE status IN ('queued', 'deferred')")
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('source_key', existing_type=sa.String(length=400), type_=sa.String(length=200))
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_column('flags')
        batch_op.drop_column('auto_answer')
    _cursor_table('mailbox_state_old', with_folder=False)
    op.execute("INSERT INTO mailbox_state_old (mailbox, uidvalidity, last_uid, updated_at) "
               "SELECT mailbox, uidvalidity, last_uid, updated_at FROM mailbox_state WHERE folder = 'INBOX'")
    op.drop_table('mailbox_state')
    op.rename_table('mailbox_state_old', 'mailbox_state')


def _cursor_table(name: str, *, with_folder: bool) -> None:
    keys = ['mailbox', 'folder'] if with_folder else ['mailbox']
    op.create_table(name,
    sa.Column('mailbox', sa.String(length=100), nullable=False),
    *([sa.Column('folder', sa.String(length=200), nullable=False)] if with_folder else []),
    sa.Column('uidvalidity', sa.Integer(), nullable=True),
    sa.Column('last_uid', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint(*keys, name=f'pk_{name}')
    )
