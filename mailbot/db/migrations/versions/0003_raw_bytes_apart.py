"""raw bytes of inbound mail in a table of their own (SQLite copies a whole row on every UPDATE)

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('raw_messages',
    sa.Column('message_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['inbound_messages.id'], ),
    sa.PrimaryKeyConstraint('message_id')
    )
    op.execute("INSERT INTO raw_messages (message_id, raw) SELECT id, raw FROM inbound_messages")
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_column('raw')


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw', sa.LargeBinary(), nullable=False, server_default=''))
    op.execute("UPDATE inbound_messages SET raw = (SELECT raw FROM raw_messages WHERE message_id = inbound_messages.id)")
    op.drop_table('raw_messages')
