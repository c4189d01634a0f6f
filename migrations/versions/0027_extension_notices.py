"""Notifications of decided extensions: a learner hears that their request for more time was approved or
declined, or that they were given more time; the notification names the extension (its note and date)

Revision ID: 0027_extension_notices
Revises: 0026_award_courses
Create Date: 2026-12-01 04:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_extension_notices'
down_revision = '0026_award_courses'
branch_labels = None
depends_on = None

OLD_KINDS = ("kind IN ('work_returned', 'work_accepted', 'submission_waiting', 'due_in_7_days', 'due_in_1_day', "
             "'overdue', 'badge_issued', 'case_consent_asked')")
NEW_KINDS = ("kind IN ('work_returned', 'work_accepted', 'submission_waiting', 'due_in_7_days', 'due_in_1_day', "
             "'overdue', 'badge_issued', 'case_consent_asked', 'extension_approved', 'extension_declined', "
             "'extension_granted')")


def _notification_kinds(kinds: str) -> None:
    for table in ('notification', 'notification_mail_opt_out'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_kind'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_kind'), kinds)


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_notification_extension_id_deadline_extension'), 'deadline_extension',
                                    ['extension_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_notification_extension_id'), ['extension_id'], unique=False)
    _notification_kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notification WHERE kind IN ('extension_approved', 'extension_declined', "
               "'extension_granted')")
    op.execute("DELETE FROM notification_mail_opt_out WHERE kind IN ('extension_approved', 'extension_declined', "
               "'extension_granted')")
    _notification_kinds(OLD_KINDS)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_extension_id'))
        batch_op.drop_constraint(op.f('fk_notification_extension_id_deadline_extension'), type_='foreignkey')
        batch_op.drop_column('extension_id')
