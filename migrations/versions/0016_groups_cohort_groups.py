"""Groups (班) within a cohort: members, group mentors, and group deliverables (one submission per group)

Revision ID: 0016_groups
Revises: 0013_notify
Create Date: 2026-11-30 21:10:00

A submission may now belong to a group: the unique (enrolment, exercise) constraint becomes two partial
unique indexes, one for a learner's own work and one for a group's work. Versions name who sent them.
Existing exercises are not group deliverables; the server default only fills the existing rows.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_groups'
down_revision = '0013_notify'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cohort_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(name) > 0', name=op.f('ck_cohort_group_name_not_empty')),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ondelete='CASCADE',
                                name=op.f('fk_cohort_group_cohort_id_cohort')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_group')),
        sa.UniqueConstraint('cohort_id', 'name', name=op.f('uq_cohort_group_cohort_id_name')),
    )
    op.create_index(op.f('ix_cohort_group_cohort_id'), 'cohort_group', ['cohort_id'], unique=False)
    op.create_table(
        'group_membership',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['cohort_group.id'], ondelete='CASCADE',
                                name=op.f('fk_group_membership_group_id_cohort_group')),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], ondelete='CASCADE',
                                name=op.f('fk_group_membership_enrolment_id_enrolment')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_membership')),
        sa.UniqueConstraint('enrolment_id', name=op.f('uq_group_membership_enrolment_id')),
    )
    op.create_index(op.f('ix_group_membership_group_id'), 'group_membership', ['group_id'], unique=False)
    op.create_table(
        'group_mentor',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('mentor_assignment_id', sa.Integer(), nullable=False),
        sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['cohort_group.id'], ondelete='CASCADE',
                                name=op.f('fk_group_mentor_group_id_cohort_group')),
        sa.ForeignKeyConstraint(['mentor_assignment_id'], ['mentor_assignment.id'], ondelete='CASCADE',
                                name=op.f('fk_group_mentor_mentor_assignment_id_mentor_assignment')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_mentor')),
        sa.UniqueConstraint('group_id', 'mentor_assignment_id', name=op.f('uq_group_mentor_group_id_mentor_assignment_id')),
    )
    op.create_index(op.f('ix_group_mentor_mentor_assignment_id'), 'group_mentor', ['mentor_assignment_id'],
                    unique=False)

    with op.batch_alter_table('exercise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_group_deliverable', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('exercise', schema=None) as batch_op:
        batch_op.alter_column('is_group_deliverable', existing_type=sa.Boolean(), existing_nullable=False,
                              server_default=None)

    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_submission_group_id_cohort_group'), 'cohort_group', ['group_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.drop_constraint(op.f('uq_submission_enrolment_id_exercise_id'), type_='unique')
        batch_op.create_index('ix_submission_enrolment_id', ['enrolment_id'], unique=False)
        batch_op.create_index('ix_submission_own_work', ['enrolment_id', 'exercise_id'], unique=True,
                              sqlite_where=sa.text('group_id IS NULL'), postgresql_where=sa.text('group_id IS NULL'))
        batch_op.create_index('ix_submission_group_work', ['group_id', 'exercise_id'], unique=True,
                              sqlite_where=sa.text('group_id IS NOT NULL'),
                              postgresql_where=sa.text('group_id IS NOT NULL'))

    with op.batch_alter_table('submission_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_submission_version_submitted_by_id_user_account'), 'user_account',
                                    ['submitted_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    # Group work cannot be written back as one learner's own: downgrading needs a database without any.
    with op.batch_alter_table('submission_version', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_submission_version_submitted_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('submitted_by_id')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_group_work')
        batch_op.drop_index('ix_submission_own_work')
        batch_op.drop_index('ix_submission_enrolment_id')
        batch_op.create_unique_constraint(op.f('uq_submission_enrolment_id_exercise_id'), ['enrolment_id', 'exercise_id'])
        batch_op.drop_constraint(op.f('fk_submission_group_id_cohort_group'), type_='foreignkey')
        batch_op.drop_column('group_id')
    with op.batch_alter_table('exercise', schema=None) as batch_op:
        batch_op.drop_column('is_group_deliverable')
    op.drop_index(op.f('ix_group_mentor_mentor_assignment_id'), table_name='group_mentor')
    op.drop_table('group_mentor')
    op.drop_index(op.f('ix_group_membership_group_id'), table_name='group_membership')
    op.drop_table('group_membership')
    op.drop_index(op.f('ix_cohort_group_cohort_id'), table_name='cohort_group')
    op.drop_table('cohort_group')
