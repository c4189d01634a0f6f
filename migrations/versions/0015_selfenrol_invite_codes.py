"""Self-enrolment: a cohort's join code, capacity and waiting list

Revision ID: 0015_selfenrol
Revises: 0016_groups
Create Date: 2026-11-30 21:10:00

Every existing cohort has self-enrolment off (no code), no capacity and no waiting list. The server
default only fills the existing rows and goes again (the model's default is the only one).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_selfenrol'
down_revision = '0016_groups'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('join_code', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('has_waiting_list', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.alter_column('has_waiting_list', existing_type=sa.Boolean(), existing_nullable=False,
                              server_default=None)
        batch_op.create_unique_constraint(op.f('uq_cohort_join_code'), ['join_code'])
        batch_op.create_check_constraint(op.f('ck_cohort_capacity_positive'), 'capacity IS NULL OR capacity > 0')
    op.create_table(
        'waiting_list_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ondelete='CASCADE',
                                name=op.f('fk_waiting_list_entry_cohort_id_cohort')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_waiting_list_entry_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_list_entry')),
        sa.UniqueConstraint('cohort_id', 'user_id', name=op.f('uq_waiting_list_entry_cohort_id_user_id')),
    )
    op.create_index(op.f('ix_waiting_list_entry_user_id'), 'waiting_list_entry', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_waiting_list_entry_user_id'), table_name='waiting_list_entry')
    op.drop_table('waiting_list_entry')
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cohort_capacity_positive'), type_='check')
        batch_op.drop_constraint(op.f('uq_cohort_join_code'), type_='unique')
        batch_op.drop_column('has_waiting_list')
        batch_op.drop_column('capacity')
        batch_op.drop_column('join_code')
