"""backlog indexes: a case's messages, and a message by its Message-ID, without reading the whole table

Finding the case a reply answers (by the Message-IDs it names), a case's
first message (what a redirect passes on) and a case's latest message (the
timers) read every inbound message without these: each message of a backlog
cost more than the one before.

Revision ID: 0006
Revises: 0005
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_case_id'), ['case_id'], unique=False)
        # A hash index on PostgreSQL: a B-tree entry may not exceed 2,704 bytes, a sender's Message-ID may.
        batch_op.create_index(batch_op.f('ix_inbound_messages_message_id'), ['message_id'], unique=False,
                              postgresql_using='hash')


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_message_id'))
        batch_op.drop_index(batch_op.f('ix_inbound_messages_case_id'))
