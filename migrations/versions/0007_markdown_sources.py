"""Markdown sources of module summaries: module_version.summary_ja_md and summary_en_md

Every other stored HTML keeps the Markdown it was rendered from, so `flask content rerender` can render it
again with today's allowlist; the module summaries did not. The Markdown cannot be recovered from the
sanitised HTML, so existing versions get NULL: `flask content sync` records the source of the version whose
files are still those it was built from (same content hash), and `rerender` re-sanitises the HTML of the
others.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 15:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('module_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary_ja_md', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('summary_en_md', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('module_version', schema=None) as batch_op:
        batch_op.drop_column('summary_en_md')
        batch_op.drop_column('summary_ja_md')
