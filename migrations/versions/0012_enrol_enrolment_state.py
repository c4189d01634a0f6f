"""Enrolment state: a learner can be withdrawn from a cohort (and re-admitted) without losing their work

Revision ID: 0012_enrol
Revises: 0011_drafts
Create Date: 2026-11-30 18:10:00

Every existing enrolment is active. The server default only fills the existing rows and goes again
(the model's default is the only one, as migration 0008 settled).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_enrol'
down_revision = '0011_drafts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='active'))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=16), existing_nullable=False,
                              server_default=None)
        batch_op.create_check_constraint(op.f('ck_enrolment_status'), "status IN ('active', 'withdrawn')")
        batch_op.create_check_constraint(op.f('ck_enrolment_withdrawn_has_time'),
                                         "(status = 'withdrawn') = (withdrawn_at IS NOT NULL)")


def downgrade():
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_enrolment_withdrawn_has_time'), type_='check')
        batch_op.drop_constraint(op.f('ck_enrolment_status'), type_='check')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('status')
