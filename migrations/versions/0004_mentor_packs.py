"""Mentor packs and skills: each exercise of a module version keeps its mentor pack (ja and en) and the
Digital Skill Standards items and talent level it trains

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exercise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mentor_pack_ja_md', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('mentor_pack_ja_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('mentor_pack_en_md', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('mentor_pack_en_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('skills', sa.JSON(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_exercise_mentor_pack_complete'),
                                         '(mentor_pack_ja_html IS NULL) = (mentor_pack_en_html IS NULL)')


def downgrade():
    with op.batch_alter_table('exercise', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_exercise_mentor_pack_complete'), type_='check')
        batch_op.drop_column('skills')
        batch_op.drop_column('mentor_pack_en_html')
        batch_op.drop_column('mentor_pack_en_md')
        batch_op.drop_column('mentor_pack_ja_html')
        batch_op.drop_column('mentor_pack_ja_md')
