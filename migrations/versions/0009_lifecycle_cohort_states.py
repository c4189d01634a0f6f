"""Cohort lifecycle: a stored state (draft, open, running, closed, archived) and a description per
cohort; optional exercises may have no due date; exercises carry the due date the schedule editor
suggests (days after the start)

Revision ID: 0009_lifecycle
Revises: 0008
Create Date: 2026-11-30 18:20:00

Existing cohorts get the state their dates imply today: not started yet → open (for enrolment),
between start and end → running, ended → closed. None is archived: that is the organizer's decision.
Downgrading gives every due date that is missing the cohort's end (the old schema needs one).
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_lifecycle'
down_revision = '0008'
branch_labels = None
depends_on = None

STATUSES = ('draft', 'open', 'running', 'closed', 'archived')

cohort = sa.table('cohort', sa.column('id', sa.Integer), sa.column('starts_at', sa.DateTime(timezone=True)),
                  sa.column('ends_at', sa.DateTime(timezone=True)), sa.column('status', sa.String(16)))
scheduled = sa.table('scheduled_exercise', sa.column('cohort_id', sa.Integer),
                     sa.column('due_at', sa.DateTime(timezone=True)))


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they are UTC (app.core.db.UTCDateTime).
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def upgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='running'))
    conn = op.get_bind()
    now = datetime.now(timezone.utc)
    for row in conn.execute(sa.select(cohort.c.id, cohort.c.starts_at, cohort.c.ends_at)).all():
        if _aware(row.ends_at) <= now:
            status = 'closed'
        elif _aware(row.starts_at) > now:
            status = 'open'
        else:
            continue
        conn.execute(cohort.update().where(cohort.c.id == row.id).values(status=status))
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        # The models' defaults are the only ones (0008).
        batch_op.alter_column('description', server_default=None)
        batch_op.alter_column('status', server_default=None)
        batch_op.create_check_constraint(op.f('ck_cohort_status'),
                                         'status IN (' + ', '.join(f"'{s}'" for s in STATUSES) + ')')
    with op.batch_alter_table('scheduled_exercise', schema=None) as batch_op:
        batch_op.alter_column('due_at', existing_type=sa.DateTime(timezone=True), nullable=True)
    with op.batch_alter_table('exercise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suggested_offset_days', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_exercise_suggested_offset_days_range'),
                                         'suggested_offset_days BETWEEN 0 AND 366')


def downgrade():
    with op.batch_alter_table('exercise', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_exercise_suggested_offset_days_range'), type_='check')
        batch_op.drop_column('suggested_offset_days')
    ends = sa.select(cohort.c.ends_at).where(cohort.c.id == scheduled.c.cohort_id).scalar_subquery()
    op.get_bind().execute(scheduled.update().where(scheduled.c.due_at.is_(None)).values(due_at=ends))
    with op.batch_alter_table('scheduled_exercise', schema=None) as batch_op:
        batch_op.alter_column('due_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cohort_status'), type_='check')
        batch_op.drop_column('status')
        batch_op.drop_column('description')
