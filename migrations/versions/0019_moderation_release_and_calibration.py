"""Review checks (issue 13): the release gate and moderation as cohort options, lead and trusted mentors,
decision proposals (held or awaiting a second mentor), calibration references and mentors' attempts

Revision ID: 0019_moderation
Revises: 0017_comments
Create Date: 2026-11-30 21:00:00

Existing cohorts get neither check and existing mentors are neither lead nor trusted: the server defaults
only fill the existing rows and go again (the model's default is the only one, as migration 0008 settled).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_moderation'
down_revision = '0017_comments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calibration_reference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('submission_version_id', sa.Integer(), nullable=True),
    sa.Column('consent_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('agreed_points_by_criterion', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('submission', 'exemplar')", name=op.f('ck_calibration_reference_source')),
    sa.CheckConstraint("(source = 'submission') = (submission_version_id IS NOT NULL)", name=op.f('ck_calibration_reference_submission_has_version')),
    sa.CheckConstraint("source <> 'submission' OR consent_confirmed_at IS NOT NULL", name=op.f('ck_calibration_reference_submission_has_consent')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_calibration_reference_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercise.id'], name=op.f('fk_calibration_reference_exercise_id_exercise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_version_id'], ['submission_version.id'], name=op.f('fk_calibration_reference_submission_version_id_submission_version'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_reference'))
    )
    with op.batch_alter_table('calibration_reference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_reference_exercise_id'), ['exercise_id'], unique=False)

    op.create_table('calibration_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('points_by_criterion', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentor_id'], ['user_account.id'], name=op.f('fk_calibration_attempt_mentor_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reference_id'], ['calibration_reference.id'], name=op.f('fk_calibration_attempt_reference_id_calibration_reference'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_attempt')),
    sa.UniqueConstraint('reference_id', 'mentor_id', name=op.f('uq_calibration_attempt_reference_id_mentor_id'))
    )
    with op.batch_alter_table('calibration_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_attempt_mentor_id'), ['mentor_id'], unique=False)

    op.create_table('decision_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_version_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('points_by_criterion', sa.JSON(), nullable=False),
    sa.Column('feedback_md', sa.Text(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('second_mentor_id', sa.Integer(), nullable=True),
    sa.Column('second_points_by_criterion', sa.JSON(), nullable=True),
    sa.Column('second_feedback_md', sa.Text(), nullable=True),
    sa.Column('second_reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('held', 'awaiting_second', 'disputed', 'released', 'agreed', 'settled', 'sent_back')",
                       name=op.f('ck_decision_proposal_state')),
    sa.CheckConstraint("decision IN ('accepted', 'returned', 'not_passed')", name=op.f('ck_decision_proposal_decision')),
    sa.CheckConstraint("(state IN ('held', 'awaiting_second', 'disputed')) = (closed_at IS NULL)", name=op.f('ck_decision_proposal_closed_unless_open')),
    sa.CheckConstraint("state NOT IN ('disputed', 'agreed') OR second_reviewed_at IS NOT NULL", name=op.f('ck_decision_proposal_second_review_has_time')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_decision_proposal_closed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentor_id'], ['user_account.id'], name=op.f('fk_decision_proposal_mentor_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_decision_proposal_review_id_review'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['second_mentor_id'], ['user_account.id'], name=op.f('fk_decision_proposal_second_mentor_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submission_version_id'], ['submission_version.id'], name=op.f('fk_decision_proposal_submission_version_id_submission_version'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_proposal'))
    )
    with op.batch_alter_table('decision_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_proposal_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_proposal_submission_version_id'), ['submission_version_id'], unique=False)
        batch_op.create_index('uq_decision_proposal_open_version', ['submission_version_id'], unique=True, sqlite_where=sa.text("state IN ('held', 'awaiting_second', 'disputed')"), postgresql_where=sa.text("state IN ('held', 'awaiting_second', 'disputed')"))

    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_gate', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('release_gate_decisions', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('moderation', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.alter_column('release_gate', existing_type=sa.Boolean(), existing_nullable=False, server_default=None)
        batch_op.alter_column('moderation', existing_type=sa.Boolean(), existing_nullable=False, server_default=None)
        batch_op.create_check_constraint(op.f('ck_cohort_release_gate_decisions_positive'),
                                         "release_gate_decisions IS NULL OR release_gate_decisions >= 1")

    with op.batch_alter_table('mentor_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_lead', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('is_trusted', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('mentor_assignment', schema=None) as batch_op:
        batch_op.alter_column('is_lead', existing_type=sa.Boolean(), existing_nullable=False, server_default=None)
        batch_op.alter_column('is_trusted', existing_type=sa.Boolean(), existing_nullable=False, server_default=None)


def downgrade():
    with op.batch_alter_table('mentor_assignment', schema=None) as batch_op:
        batch_op.drop_column('is_trusted')
        batch_op.drop_column('is_lead')

    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cohort_release_gate_decisions_positive'), type_='check')
        batch_op.drop_column('moderation')
        batch_op.drop_column('release_gate_decisions')
        batch_op.drop_column('release_gate')

    with op.batch_alter_table('decision_proposal', schema=None) as batch_op:
        batch_op.drop_index('uq_decision_proposal_open_version')
        batch_op.drop_index(batch_op.f('ix_decision_proposal_submission_version_id'))
        batch_op.drop_index(batch_op.f('ix_decision_proposal_mentor_id'))

    op.drop_table('decision_proposal')
    with op.batch_alter_table('calibration_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_attempt_mentor_id'))

    op.drop_table('calibration_attempt')
    with op.batch_alter_table('calibration_reference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_reference_exercise_id'))

    op.drop_table('calibration_reference')
