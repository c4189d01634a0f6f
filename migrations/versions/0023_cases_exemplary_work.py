"""Exemplary work (優秀事例): nominations of accepted work, each author's consent, and the notification
that asks for it

Revision ID: 0023_cases
Revises: 0019_moderation
Create Date: 2026-12-01 01:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_cases'
down_revision = '0019_moderation'
branch_labels = None
depends_on = None

OLD_KINDS = ("kind IN ('work_returned', 'work_accepted', 'submission_waiting', 'due_in_7_days', 'due_in_1_day', "
             "'overdue', 'badge_issued')")
NEW_KINDS = ("kind IN ('work_returned', 'work_accepted', 'submission_waiting', 'due_in_7_days', 'due_in_1_day', "
             "'overdue', 'badge_issued', 'case_consent_asked')")


def _notification_kinds(kinds: str) -> None:
    for table in ('notification', 'notification_mail_opt_out'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_kind'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_kind'), kinds)


def upgrade():
    op.create_table(
        'case_nomination',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('submission_version_id', sa.Integer(), nullable=False),
        sa.Column('nominated_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('nominated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('length(note) > 0', name=op.f('ck_case_nomination_note_not_empty')),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'],
                                name=op.f('fk_case_nomination_submission_id_submission'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_version_id'], ['submission_version.id'],
                                name=op.f('fk_case_nomination_submission_version_id_submission_version'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['nominated_by_id'], ['user_account.id'],
                                name=op.f('fk_case_nomination_nominated_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_nomination')),
        sa.UniqueConstraint('submission_id', name=op.f('uq_case_nomination_submission_id')),
    )
    op.create_index(op.f('ix_case_nomination_submission_version_id'), 'case_nomination', ['submission_version_id'],
                    unique=False)
    op.create_index(op.f('ix_case_nomination_nominated_by_id'), 'case_nomination', ['nominated_by_id'], unique=False)
    op.create_table(
        'case_consent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('nomination_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.Enum('asked', 'consented', 'declined', 'withdrawn', name='state', native_enum=False,
                                   length=16, create_constraint=True), nullable=False),
        sa.Column('shows_name', sa.Boolean(), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(state = 'asked') = (answered_at IS NULL)",
                           name=op.f('ck_case_consent_answered_when_answered')),
        sa.ForeignKeyConstraint(['nomination_id'], ['case_nomination.id'],
                                name=op.f('fk_case_consent_nomination_id_case_nomination'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_case_consent_user_id_user_account'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_consent')),
        sa.UniqueConstraint('nomination_id', 'user_id', name=op.f('uq_case_consent_nomination_id_user_id')),
    )
    op.create_index(op.f('ix_case_consent_user_id'), 'case_consent', ['user_id'], unique=False)
    _notification_kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notification WHERE kind = 'case_consent_asked'")
    op.execute("DELETE FROM notification_mail_opt_out WHERE kind = 'case_consent_asked'")
    _notification_kinds(OLD_KINDS)
    op.drop_index(op.f('ix_case_consent_user_id'), table_name='case_consent')
    op.drop_table('case_consent')
    op.drop_index(op.f('ix_case_nomination_nominated_by_id'), table_name='case_nomination')
    op.drop_index(op.f('ix_case_nomination_submission_version_id'), table_name='case_nomination')
    op.drop_table('case_nomination')
