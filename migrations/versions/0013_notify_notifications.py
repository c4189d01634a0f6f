"""Notifications: notification (in-app news for one person, reminders at most once per cohort and exercise)
and notification_mail_opt_out (the kinds a person does not want by e-mail)

Revision ID: 0013_notify
Revises: 0012_enrol
Create Date: 2026-11-30 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_notify'
down_revision = '0012_enrol'
branch_labels = None
depends_on = None

KINDS = ("kind IN ('work_returned', 'work_accepted', 'submission_waiting', 'due_in_7_days', 'due_in_1_day', "
         "'overdue', 'badge_issued')")
REMINDERS = "kind IN ('due_in_7_days', 'due_in_1_day', 'overdue')"


def upgrade():
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('exercise_id', sa.Integer(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('credential_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(KINDS, name=op.f('ck_notification_kind')),
    sa.ForeignKeyConstraint(['recipient_id'], ['user_account.id'],
                            name=op.f('fk_notification_recipient_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_notification_cohort_id_cohort'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercise.id'], name=op.f('fk_notification_exercise_id_exercise'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'],
                            name=op.f('fk_notification_submission_id_submission'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['credential_id'], ['badge_credential.id'],
                            name=op.f('fk_notification_credential_id_badge_credential'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_exercise_id'), ['exercise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_submission_id'), ['submission_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_credential_id'), ['credential_id'], unique=False)
        batch_op.create_index('ix_notification_recipient_id_created_at', ['recipient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notification_unread', ['recipient_id'], unique=False,
                              sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))
        batch_op.create_index('uq_notification_reminder', ['recipient_id', 'kind', 'cohort_id', 'exercise_id'],
                              unique=True, sqlite_where=sa.text(REMINDERS), postgresql_where=sa.text(REMINDERS))

    op.create_table('notification_mail_opt_out',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(KINDS, name=op.f('ck_notification_mail_opt_out_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_notification_mail_opt_out_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_mail_opt_out')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_mail_opt_out_user_id_kind'))
    )


def downgrade():
    op.drop_table('notification_mail_opt_out')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('uq_notification_reminder')
        batch_op.drop_index('ix_notification_unread')
        batch_op.drop_index('ix_notification_recipient_id_created_at')
        batch_op.drop_index(batch_op.f('ix_notification_credential_id'))
        batch_op.drop_index(batch_op.f('ix_notification_submission_id'))
        batch_op.drop_index(batch_op.f('ix_notification_exercise_id'))
        batch_op.drop_index(batch_op.f('ix_notification_cohort_id'))
    op.drop_table('notification')
