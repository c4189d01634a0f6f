"""Review claims: a mentor holds a submission awaiting review for a while, so that two mentors don't
review the same one

Revision ID: 0010_claims
Revises: 0009_lifecycle
Create Date: 2026-11-30 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_claims'
down_revision = '0009_lifecycle'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'review_claim',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('mentor_id', sa.Integer(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('expires_at > claimed_at', name=op.f('ck_review_claim_expires_after_claimed')),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE',
                                name=op.f('fk_review_claim_submission_id_submission')),
        sa.ForeignKeyConstraint(['mentor_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_review_claim_mentor_id_user_account')),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_review_claim_assigned_by_id_user_account')),
        sa.PrimaryKeyConstraint('submission_id', name=op.f('pk_review_claim')),
    )
    op.create_index(op.f('ix_review_claim_mentor_id'), 'review_claim', ['mentor_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_review_claim_mentor_id'), table_name='review_claim')
    op.drop_table('review_claim')
