"""Each issuer counts the status list indexes it has handed out

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 09:00:00

Allocating the next index as max(index) + 1 gave two simultaneous credentials the same index; an
UPDATE .. RETURNING on this counter serialises them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('badge_issuer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_status_list_index', sa.Integer(), server_default=sa.text('0'),
                                      nullable=False))
    op.execute("UPDATE badge_issuer SET next_status_list_index = COALESCE((SELECT MAX(status_list_index) + 1 "
               "FROM badge_credential WHERE badge_credential.issuer_id = badge_issuer.id), 0)")


def downgrade():
    with op.batch_alter_table('badge_issuer', schema=None) as batch_op:
        batch_op.drop_column('next_status_list_index')
