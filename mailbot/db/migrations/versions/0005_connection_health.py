"""connection health: which servers mailbot cannot reach or log in to, and whether that was reported

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('connection_health',
    sa.Column('target', sa.String(length=400), nullable=False),
    sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reported_to', sa.Text(), nullable=False, server_default=''),
    sa.Column('recovered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False, server_default=''),
    sa.Column('failures', sa.Integer(), nullable=False, server_default='0'),
    sa.PrimaryKeyConstraint('target')
    )


def downgrade() -> None:
    op.drop_table('connection_health')
