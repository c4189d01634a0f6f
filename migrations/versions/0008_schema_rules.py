"""Schema rules: ON DELETE for every foreign key, one signing key per issuer and one achievement per
talent level, range checks, revocable completion records; enum checks as the models' enum types write
them; the server defaults 0002 and 0003 added to fill existing rows go (the models' defaults are the
only ones)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 15:30:00

Existing rows that break a new rule stop the upgrade with a list of them, before anything changes;
the one exception is an issuer with several unretired keys: the newest already signs alone
(Issuer.signing_key), so the older ones are retired when the next key was made, which changes nothing.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# (table, column, referred table, ON DELETE); the models say why.
FOREIGN_KEYS = [
    ('organization', 'parent_id', 'organization', 'SET NULL'),
    ('user_account', 'organization_id', 'organization', 'SET NULL'),
    ('audit_entry', 'actor_id', 'user_account', 'RESTRICT'),
    ('module_version', 'module_id', 'module', 'CASCADE'),
    ('exercise', 'module_version_id', 'module_version', 'CASCADE'),
    ('rubric_criterion', 'exercise_id', 'exercise', 'CASCADE'),
    ('rubric_level', 'criterion_id', 'rubric_criterion', 'CASCADE'),
    ('material', 'exercise_id', 'exercise', 'CASCADE'),
    ('question', 'exercise_id', 'exercise', 'CASCADE'),
    ('cohort', 'module_version_id', 'module_version', 'RESTRICT'),
    ('cohort', 'created_by_id', 'user_account', 'SET NULL'),
    ('scheduled_exercise', 'cohort_id', 'cohort', 'CASCADE'),
    ('scheduled_exercise', 'exercise_id', 'exercise', 'CASCADE'),
    ('enrolment', 'cohort_id', 'cohort', 'RESTRICT'),
    ('enrolment', 'user_id', 'user_account', 'RESTRICT'),
    ('mentor_assignment', 'cohort_id', 'cohort', 'CASCADE'),
    ('mentor_assignment', 'user_id', 'user_account', 'CASCADE'),
    ('submission', 'enrolment_id', 'enrolment', 'RESTRICT'),
    ('submission', 'exercise_id', 'exercise', 'RESTRICT'),
    ('submission_version', 'submission_id', 'submission', 'RESTRICT'),
    ('attachment', 'submission_version_id', 'submission_version', 'CASCADE'),
    ('question_attempt', 'enrolment_id', 'enrolment', 'RESTRICT'),
    ('question_attempt', 'question_id', 'question', 'RESTRICT'),
    ('review', 'submission_version_id', 'submission_version', 'RESTRICT'),
    ('review', 'mentor_id', 'user_account', 'RESTRICT'),
    ('criterion_score', 'review_id', 'review', 'CASCADE'),
    ('criterion_score', 'criterion_id', 'rubric_criterion', 'RESTRICT'),
    ('completion_record', 'enrolment_id', 'enrolment', 'RESTRICT'),
    ('completion_record', 'module_version_id', 'module_version', 'RESTRICT'),
    ('completion_accepted_version', 'completion_record_id', 'completion_record', 'CASCADE'),
    ('completion_accepted_version', 'submission_version_id', 'submission_version', 'RESTRICT'),
    ('badge_issuer', 'organization_id', 'organization', 'RESTRICT'),
    ('badge_issuer_key', 'issuer_id', 'badge_issuer', 'RESTRICT'),
    ('badge_achievement', 'issuer_id', 'badge_issuer', 'RESTRICT'),
    ('badge_achievement', 'module_id', 'module', 'RESTRICT'),
    ('badge_credential', 'completion_record_id', 'completion_record', 'RESTRICT'),
    ('badge_credential', 'achievement_id', 'badge_achievement', 'RESTRICT'),
    ('badge_credential', 'issuer_id', 'badge_issuer', 'RESTRICT'),
    ('badge_credential', 'recipient_id', 'user_account', 'RESTRICT'),
]

# (table, name, condition) of the new checks on existing columns
CHECKS = [
    ('review', 'total_points_within_max', 'total_points <= max_points'),
    ('completion_record', 'total_points_range', 'total_points BETWEEN 0 AND max_points'),
    ('completion_record', 'score_percent_range', 'score_percent BETWEEN 0 AND 100'),
    ('module_version', 'estimated_hours_positive', 'estimated_hours > 0'),
    ('exercise', 'position_positive', 'position >= 1'),
    ('exercise', 'unlock_days_not_negative', 'unlock_days_after_start >= 0'),
    ('rubric_criterion', 'position_positive', 'position >= 1'),
    ('question', 'position_positive', 'position >= 1'),
    ('material', 'size_not_negative', 'size >= 0'),
    ('badge_issuer', 'next_status_list_index_not_negative', 'next_status_list_index >= 0'),
    ('badge_issuer_key', 'number_positive', 'number >= 1'),
    ('badge_credential', 'revoked_has_reason', '(revoked_at IS NULL) = (revocation_reason IS NULL)'),
    ('badge_credential', 'status_list_index_not_negative', 'status_list_index >= 0'),
]

# (table, index, columns, rows it covers): "at most one ... per ..."
PARTIAL_UNIQUE_INDEXES = [
    ('badge_issuer_key', 'uq_badge_issuer_key_signing', ['issuer_id'], 'retired_at IS NULL'),
    ('badge_achievement', 'uq_badge_achievement_issuer_id_talent_level', ['issuer_id', 'talent_level'],
     "kind = 'talent_level'"),
]

# (table, column, type, the server default it had)
SERVER_DEFAULTS = [
    ('completion_record', 'score_percent', sa.Float(), '0'),
    ('exercise', 'weight', sa.Float(), '1'),
    ('exercise', 'pass_threshold', sa.Float(), '0.6'),
    ('module_version', 'personas', sa.JSON(), sa.text("'[]'")),
    ('module_version', 'sources', sa.JSON(), sa.text("'[]'")),
    ('cohort', 'badges_need_approval', sa.Boolean(), sa.false()),
    ('user_account', 'publishes_badge_evidence', sa.Boolean(), sa.false()),
]

REVOCATION_COMPLETE = ('(revoked_at IS NULL) = (revocation_reason IS NULL) '
                       'AND (revoked_at IS NULL) = (revoked_by_id IS NULL)')
UNLOCK_WHEN_BEFORE = "unlock_when IS NULL OR unlock_when IN ('submitted', 'accepted')"
UNLOCK_WHEN_AFTER = "unlock_when IN ('submitted', 'accepted')"

# Every table 0008 changes has a foreign key: one batch (one rebuild on SQLite) each.
TABLES = list(dict.fromkeys(table for table, *_ in FOREIGN_KEYS))


def _of(rules: list[tuple], table: str) -> list[tuple]:
    """The rules of `table`, without the table's name."""
    return [rule[1:] for rule in rules if rule[0] == table]


def _fk_name(table: str, column: str, referred: str) -> str:
    return op.f(f'fk_{table}_{column}_{referred}')


def _rows_breaking_new_rules(conn) -> list[str]:
    problems = []
    for table, name, condition in CHECKS:
        ids = conn.execute(sa.text(f'SELECT id FROM {table} WHERE NOT ({condition}) ORDER BY id')).scalars().all()
        if ids:
            problems.append(f'{table} ids {ids[:20]}: ck_{table}_{name} requires {condition}')
    for table, index, columns, where in PARTIAL_UNIQUE_INDEXES:
        if table == 'badge_issuer_key':  # repaired by _retire_replaced_keys
            continue
        listed = ', '.join(columns)
        repeated = conn.execute(sa.text(f'SELECT {listed} FROM {table} WHERE {where} '
                                        f'GROUP BY {listed} HAVING COUNT(*) > 1')).all()
        if repeated:
            problems.append(f'{table}: {index} allows one row per ({listed}) where {where}; '
                            f'repeated: {[tuple(r) for r in repeated[:20]]}')
    return problems


def _retire_replaced_keys(conn) -> None:
    conn.execute(sa.text(
        'UPDATE badge_issuer_key SET retired_at = ('
        '  SELECT MIN(newer.created_at) FROM badge_issuer_key newer'
        '  WHERE newer.issuer_id = badge_issuer_key.issuer_id AND newer.number > badge_issuer_key.number)'
        ' WHERE retired_at IS NULL AND EXISTS ('
        '  SELECT 1 FROM badge_issuer_key newer WHERE newer.issuer_id = badge_issuer_key.issuer_id'
        '  AND newer.number > badge_issuer_key.number AND newer.retired_at IS NULL)'))


def upgrade():
    conn = op.get_bind()
    problems = _rows_breaking_new_rules(conn)
    if problems:
        raise RuntimeError('Migration 0008 changed nothing: these rows break rules it adds. Correct them and '
                           'upgrade again.\n' + '\n'.join(problems))
    _retire_replaced_keys(conn)
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, type_, _ in _of(SERVER_DEFAULTS, table):
                batch_op.alter_column(column, existing_type=type_, existing_nullable=False, server_default=None)
            if table == 'completion_record':
                batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
                batch_op.add_column(sa.Column('revocation_reason', sa.Text(), nullable=True))
                batch_op.add_column(sa.Column('revoked_by_id', sa.Integer(), nullable=True))
                batch_op.create_foreign_key(_fk_name(table, 'revoked_by_id', 'user_account'), 'user_account',
                                            ['revoked_by_id'], ['id'], ondelete='RESTRICT')
                batch_op.create_check_constraint(op.f('ck_completion_record_revocation_complete'),
                                                 REVOCATION_COMPLETE)
            if table == 'exercise':
                batch_op.drop_constraint(op.f('ck_exercise_unlock_when'), type_='check')
                batch_op.create_check_constraint(op.f('ck_exercise_unlock_when'), UNLOCK_WHEN_AFTER)
            for column, referred, ondelete in _of(FOREIGN_KEYS, table):
                batch_op.drop_constraint(_fk_name(table, column, referred), type_='foreignkey')
                batch_op.create_foreign_key(_fk_name(table, column, referred), referred, [column], ['id'],
                                            ondelete=ondelete)
            for name, condition in _of(CHECKS, table):
                batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), condition)
            for index, columns, where in _of(PARTIAL_UNIQUE_INDEXES, table):
                batch_op.create_index(index, columns, unique=True, sqlite_where=sa.text(where),
                                      postgresql_where=sa.text(where))


def downgrade():
    conn = op.get_bind()
    revoked = conn.execute(sa.text('SELECT id FROM completion_record WHERE revoked_at IS NOT NULL ORDER BY id')
                           ).scalars().all()
    if revoked:
        raise RuntimeError(f'Downgrading below 0008 would restore revoked completion records {revoked[:20]} '
                           'to valid ones: it changed nothing.')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index, _, _ in _of(PARTIAL_UNIQUE_INDEXES, table):
                batch_op.drop_index(index)
            for name, _ in _of(CHECKS, table):
                batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
            for column, referred, _ in _of(FOREIGN_KEYS, table):
                batch_op.drop_constraint(_fk_name(table, column, referred), type_='foreignkey')
                batch_op.create_foreign_key(_fk_name(table, column, referred), referred, [column], ['id'])
            if table == 'exercise':
                batch_op.drop_constraint(op.f('ck_exercise_unlock_when'), type_='check')
                batch_op.create_check_constraint(op.f('ck_exercise_unlock_when'), UNLOCK_WHEN_BEFORE)
            if table == 'completion_record':
                batch_op.drop_constraint(op.f('ck_completion_record_revocation_complete'), type_='check')
                batch_op.drop_constraint(_fk_name(table, 'revoked_by_id', 'user_account'), type_='foreignkey')
                batch_op.drop_column('revoked_by_id')
                batch_op.drop_column('revocation_reason')
                batch_op.drop_column('revoked_at')
            for column, type_, default in _of(SERVER_DEFAULTS, table):
                batch_op.alter_column(column, existing_type=type_, existing_nullable=False, server_default=default)
