"""Deadlines (issue 12): learners' accommodations, per-learner extensions (requested or granted, some by a
bulk extension), bulk extensions with their reason, secret calendar addresses, and the cohort option that
lets its mentors decide extension requests

Revision ID: 0022_deadlines
Revises: 0025_paths
Create Date: 2026-12-01 00:40:00

Existing cohorts leave extension requests to organizers: the server default only fills the existing rows
and goes again (the model's default is the only one, as migration 0008 settled).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_deadlines'
down_revision = '0025_paths'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('accommodation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('extra_days', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('extra_days BETWEEN 1 AND 90', name=op.f('ck_accommodation_extra_days_in_range')),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_accommodation_reason_not_empty')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_accommodation_set_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_accommodation_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accommodation')),
    sa.UniqueConstraint('user_id', name=op.f('uq_accommodation_user_id'))
    )
    op.create_table('bulk_extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_bulk_extension_reason_not_empty')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_bulk_extension_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_extension'))
    )
    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_calendar_feed_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feed_token')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feed_user_id'))
    )
    op.create_table('deadline_extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'approved', 'declined', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('bulk_extension_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'approved') = (due_at IS NOT NULL)", name=op.f('ck_deadline_extension_approved_has_date')),
    sa.CheckConstraint("(status = 'requested') = (decided_at IS NULL)", name=op.f('ck_deadline_extension_decided_has_time')),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_deadline_extension_reason_not_empty')),
    sa.ForeignKeyConstraint(['bulk_extension_id'], ['bulk_extension.id'], name=op.f('fk_deadline_extension_bulk_extension_id_bulk_extension'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_deadline_extension_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_deadline_extension_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercise.id'], name=op.f('fk_deadline_extension_exercise_id_exercise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_deadline_extension_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_extension'))
    )
    with op.batch_alter_table('deadline_extension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_extension_bulk_extension_id'), ['bulk_extension_id'], unique=False)
        batch_op.create_index('ix_deadline_extension_enrolment_id_exercise_id', ['enrolment_id', 'exercise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_extension_exercise_id'), ['exercise_id'], unique=False)
        batch_op.create_index('uq_deadline_extension_open_request', ['enrolment_id', 'exercise_id'], unique=True, sqlite_where=sa.text("status = 'requested'"), postgresql_where=sa.text("status = 'requested'"))

    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mentors_decide_extensions', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.alter_column('mentors_decide_extensions', existing_type=sa.Boolean(), existing_nullable=False,
                              server_default=None)



def downgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('mentors_decide_extensions')

    with op.batch_alter_table('deadline_extension', schema=None) as batch_op:
        batch_op.drop_index('uq_deadline_extension_open_request', sqlite_where=sa.text("status = 'requested'"), postgresql_where=sa.text("status = 'requested'"))
        batch_op.drop_index(batch_op.f('ix_deadline_extension_exercise_id'))
        batch_op.drop_index('ix_deadline_extension_enrolment_id_exercise_id')
        batch_op.drop_index(batch_op.f('ix_deadline_extension_bulk_extension_id'))

    op.drop_table('deadline_extension')
    op.drop_table('calendar_feed')
    op.drop_table('bulk_extension')
    op.drop_table('accommodation')
