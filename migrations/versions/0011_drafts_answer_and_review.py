"""Drafts: answer_draft (a learner's unsubmitted answer) and review_draft (a mentor's undecided scores
and feedback), one per person and submission target

Revision ID: 0011_drafts
Revises: 0010_claims
Create Date: 2026-11-30 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_drafts'
down_revision = '0010_claims'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_answer_draft_enrolment_id_enrolment'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercise.id'], name=op.f('fk_answer_draft_exercise_id_exercise'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_draft')),
    sa.UniqueConstraint('enrolment_id', 'exercise_id', name=op.f('uq_answer_draft_enrolment_id_exercise_id'))
    )
    with op.batch_alter_table('answer_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_draft_exercise_id'), ['exercise_id'], unique=False)

    op.create_table('review_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('points_by_criterion', sa.JSON(), nullable=False),
    sa.Column('feedback_md', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentor_id'], ['user_account.id'], name=op.f('fk_review_draft_mentor_id_user_account'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'],
                            name=op.f('fk_review_draft_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_draft')),
    sa.UniqueConstraint('submission_id', 'mentor_id', name=op.f('uq_review_draft_submission_id_mentor_id'))
    )
    with op.batch_alter_table('review_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_draft_mentor_id'), ['mentor_id'], unique=False)


def downgrade():
    with op.batch_alter_table('review_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_draft_mentor_id'))
    op.drop_table('review_draft')
    with op.batch_alter_table('answer_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_draft_exercise_id'))
    op.drop_table('answer_draft')
