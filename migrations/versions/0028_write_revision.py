"""The database's write revision: one row counting the transactions that wrote anything, read by the pages
remembered as rendered (app/core/page_memory.py)

Revision ID: 0028_write_revision
Revises: 0027_extension_notices
Create Date: 2026-12-01 20:50:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_write_revision'
down_revision = '0027_extension_notices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('write_revision',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('number', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_write_revision')))


def downgrade():
    op.drop_table('write_revision')
