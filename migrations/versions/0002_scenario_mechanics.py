"""Scenario mechanics: unlock rules, events, weights, pass thresholds, auto-checked questions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 03:27:26.986534

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('prompt_ja', sa.Text(), nullable=False),
    sa.Column('prompt_en', sa.Text(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('answer_key', sa.JSON(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('unit_ja', sa.String(length=50), nullable=True),
    sa.Column('unit_en', sa.String(length=50), nullable=True),
    sa.Column('feedback_ja', sa.Text(), nullable=True),
    sa.Column('feedback_en', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('numeric', 'single', 'multiple')", name=op.f('ck_question_kind')),
    sa.CheckConstraint('points >= 1', name=op.f('ck_question_points_positive')),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercise.id'], name=op.f('fk_question_exercise_id_exercise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question')),
    sa.UniqueConstraint('exercise_id', 'slug', name=op.f('uq_question_exercise_id_slug'))
    )
    op.create_table('question_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('is_correct', sa.Boolean(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_question_attempt_enrolment_id_enrolment')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_attempt_question_id_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_attempt'))
    )
    with op.batch_alter_table('question_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_question_attempt_enrolment_question', ['enrolment_id', 'question_id'], unique=False)

    with op.batch_alter_table('completion_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score_percent', sa.Float(), nullable=False, server_default='0'))

    with op.batch_alter_table('exercise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight', sa.Float(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('pass_threshold', sa.Float(), nullable=False, server_default='0.6'))
        batch_op.add_column(sa.Column('unlock_after_slug', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('unlock_when', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('unlock_days_after_start', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('event_title_ja', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('event_title_en', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('event_ja_md', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('event_ja_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('event_en_md', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('event_en_html', sa.Text(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_exercise_weight_positive'), 'weight > 0')
        batch_op.create_check_constraint(op.f('ck_exercise_pass_threshold_share'), 'pass_threshold BETWEEN 0 AND 1')
        batch_op.create_check_constraint(op.f('ck_exercise_unlock_rule_complete'),
                                         '(unlock_after_slug IS NULL) = (unlock_when IS NULL)')
        batch_op.create_check_constraint(op.f('ck_exercise_unlock_when'),
                                         "unlock_when IS NULL OR unlock_when IN ('submitted', 'accepted')")
        batch_op.create_check_constraint(op.f('ck_exercise_event_complete'),
                                         '(event_title_ja IS NULL) = (event_ja_html IS NULL)')

    with op.batch_alter_table('module_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personas', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('sources', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))



def downgrade():
    with op.batch_alter_table('module_version', schema=None) as batch_op:
        batch_op.drop_column('sources')
        batch_op.drop_column('personas')

    with op.batch_alter_table('exercise', schema=None) as batch_op:
        for name in ('ck_exercise_event_complete', 'ck_exercise_unlock_when', 'ck_exercise_unlock_rule_complete',
                     'ck_exercise_pass_threshold_share', 'ck_exercise_weight_positive'):
            batch_op.drop_constraint(op.f(name), type_='check')
        batch_op.drop_column('event_en_html')
        batch_op.drop_column('event_en_md')
        batch_op.drop_column('event_ja_html')
        batch_op.drop_column('event_ja_md')
        batch_op.drop_column('event_title_en')
        batch_op.drop_column('event_title_ja')
        batch_op.drop_column('unlock_days_after_start')
        batch_op.drop_column('unlock_when')
        batch_op.drop_column('unlock_after_slug')
        batch_op.drop_column('pass_threshold')
        batch_op.drop_column('weight')

    with op.batch_alter_table('completion_record', schema=None) as batch_op:
        batch_op.drop_column('score_percent')

    with op.batch_alter_table('question_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_question_attempt_enrolment_question')

    op.drop_table('question_attempt')
    op.drop_table('question')
