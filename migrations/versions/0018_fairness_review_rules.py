"""Fairness in review: a cohort's review rules (conflict of interest, blind review, revision cap, review
target in working days), the final decision "not passed", and the review audit trail

Revision ID: 0018_fairness
Revises: 0021_catalogue
Create Date: 2026-11-30 21:10:00

Existing cohorts get the defaults: conflict of interest on, blind review off, no revision cap, a target of
5 working days. The server defaults only fill the existing rows and go again (the model's defaults are the
only ones, as migration 0008 settled).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_fairness'
down_revision = '0021_catalogue'
branch_labels = None
depends_on = None

_SUBMISSION_STATUSES_BEFORE = "status IN ('awaiting_review', 'returned', 'accepted')"
_SUBMISSION_STATUSES_AFTER = "status IN ('awaiting_review', 'returned', 'accepted', 'not_passed')"
_DECISIONS_BEFORE = "decision IN ('accepted', 'returned')"
_DECISIONS_AFTER = "decision IN ('accepted', 'returned', 'not_passed')"


def _replace_check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(name), type_='check')
        batch_op.create_check_constraint(op.f(name), condition)


def upgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conflict_of_interest', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('blind_review', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('max_revision_rounds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('review_target_working_days', sa.Integer(), nullable=False,
                                      server_default='5'))
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        for name, type_ in (('conflict_of_interest', sa.Boolean()), ('blind_review', sa.Boolean()),
                            ('review_target_working_days', sa.Integer())):
            batch_op.alter_column(name, existing_type=type_, existing_nullable=False, server_default=None)
        batch_op.create_check_constraint(op.f('ck_cohort_max_revision_rounds_not_negative'),
                                         'max_revision_rounds >= 0')
        batch_op.create_check_constraint(op.f('ck_cohort_review_target_positive'),
                                         'review_target_working_days >= 1')
    _replace_check('submission', 'ck_submission_status', _SUBMISSION_STATUSES_AFTER)
    _replace_check('review', 'ck_review_decision', _DECISIONS_AFTER)
    op.create_table(
        'review_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('mentor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN ('decision', 'claim_assign', 'claim_release')",
                           name=op.f('ck_review_audit_action')),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], ondelete='RESTRICT',
                                name=op.f('fk_review_audit_cohort_id_cohort')),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='RESTRICT',
                                name=op.f('fk_review_audit_submission_id_submission')),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], ondelete='RESTRICT',
                                name=op.f('fk_review_audit_actor_id_user_account')),
        sa.ForeignKeyConstraint(['mentor_id'], ['user_account.id'], ondelete='RESTRICT',
                                name=op.f('fk_review_audit_mentor_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_audit')),
    )
    op.create_index('ix_review_audit_cohort_id_created_at', 'review_audit', ['cohort_id', 'created_at'],
                    unique=False)
    op.create_index(op.f('ix_review_audit_submission_id'), 'review_audit', ['submission_id'], unique=False)
    op.create_index(op.f('ix_review_audit_actor_id'), 'review_audit', ['actor_id'], unique=False)
    op.create_index(op.f('ix_review_audit_mentor_id'), 'review_audit', ['mentor_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_review_audit_mentor_id'), table_name='review_audit')
    op.drop_index(op.f('ix_review_audit_actor_id'), table_name='review_audit')
    op.drop_index(op.f('ix_review_audit_submission_id'), table_name='review_audit')
    op.drop_index('ix_review_audit_cohort_id_created_at', table_name='review_audit')
    op.drop_table('review_audit')
    # Work closed as not passed goes back to "returned" (the nearest earlier state), so that the old
    # constraints hold: the learner may revise it again.
    op.execute("UPDATE review SET decision = 'returned' WHERE decision = 'not_passed'")
    op.execute("UPDATE submission SET status = 'returned' WHERE status = 'not_passed'")
    _replace_check('review', 'ck_review_decision', _DECISIONS_BEFORE)
    _replace_check('submission', 'ck_submission_status', _SUBMISSION_STATUSES_BEFORE)
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cohort_review_target_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_cohort_max_revision_rounds_not_negative'), type_='check')
        batch_op.drop_column('review_target_working_days')
        batch_op.drop_column('max_revision_rounds')
        batch_op.drop_column('blind_review')
        batch_op.drop_column('conflict_of_interest')
