"""Learning paths (issue 15): paths with ordered steps (modules or catalogue courses), the level badges
they issued with their component credentials; a credential's completion record becomes optional (a level
badge has none)

Revision ID: 0025_paths
Revises: 0023_cases
Create Date: 2026-12-01 01:00:00

Downgrading deletes the level badges (they have no completion record, which the older schema requires).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_paths'
down_revision = '0023_cases'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('badge_credential') as batch:
        batch.alter_column('completion_record_id', existing_type=sa.Integer(), nullable=True)
    op.create_table(
        'learning_path',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=100), nullable=True),
        sa.Column('name_ja', sa.String(length=200), nullable=False),
        sa.Column('name_en', sa.String(length=200), nullable=False),
        sa.Column('description_ja', sa.Text(), nullable=False),
        sa.Column('description_en', sa.Text(), nullable=False),
        sa.Column('talent_level', sa.Integer(), nullable=False),
        sa.Column('accepts_self_reported', sa.Boolean(), nullable=False),
        sa.Column('revokes_level_badges', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('talent_level BETWEEN 1 AND 3', name=op.f('ck_learning_path_talent_level')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_path')),
        sa.UniqueConstraint('slug', name=op.f('uq_learning_path_slug')),
    )
    op.create_table(
        'learning_path_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('module_id', sa.Integer(), nullable=True),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('is_required', sa.Boolean(), nullable=False),
        sa.CheckConstraint('(module_id IS NULL) <> (course_id IS NULL)',
                           name=op.f('ck_learning_path_step_module_or_course')),
        sa.CheckConstraint('position >= 1', name=op.f('ck_learning_path_step_position_positive')),
        sa.ForeignKeyConstraint(['course_id'], ['catalogue_course.id'],
                                name=op.f('fk_learning_path_step_course_id_catalogue_course'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_learning_path_step_module_id_module'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'],
                                name=op.f('fk_learning_path_step_path_id_learning_path'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_path_step')),
        sa.UniqueConstraint('path_id', 'course_id', name=op.f('uq_learning_path_step_path_id_course_id')),
        sa.UniqueConstraint('path_id', 'module_id', name=op.f('uq_learning_path_step_path_id_module_id')),
    )
    op.create_index(op.f('ix_learning_path_step_course_id'), 'learning_path_step', ['course_id'], unique=False)
    op.create_index(op.f('ix_learning_path_step_module_id'), 'learning_path_step', ['module_id'], unique=False)
    op.create_table(
        'learning_path_award',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('credential_id', sa.Integer(), nullable=False),
        sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('flag_reason', sa.Text(), nullable=True),
        sa.CheckConstraint('(flagged_at IS NULL) = (flag_reason IS NULL)',
                           name=op.f('ck_learning_path_award_flag_has_reason')),
        sa.ForeignKeyConstraint(['credential_id'], ['badge_credential.id'],
                                name=op.f('fk_learning_path_award_credential_id_badge_credential'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'],
                                name=op.f('fk_learning_path_award_path_id_learning_path'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_learning_path_award_user_id_user_account'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_path_award')),
        sa.UniqueConstraint('credential_id', name=op.f('uq_learning_path_award_credential_id')),
        sa.UniqueConstraint('path_id', 'user_id', name=op.f('uq_learning_path_award_path_id_user_id')),
    )
    op.create_index('ix_learning_path_award_flagged', 'learning_path_award', ['flagged_at'], unique=False)
    op.create_index(op.f('ix_learning_path_award_user_id'), 'learning_path_award', ['user_id'], unique=False)
    op.create_table(
        'learning_path_award_component',
        sa.Column('award_id', sa.Integer(), nullable=False),
        sa.Column('credential_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['award_id'], ['learning_path_award.id'],
                                name=op.f('fk_learning_path_award_component_award_id_learning_path_award'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['credential_id'], ['badge_credential.id'],
                                name=op.f('fk_learning_path_award_component_credential_id_badge_credential'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('award_id', 'credential_id', name=op.f('pk_learning_path_award_component')),
    )
    op.create_index(op.f('ix_learning_path_award_component_credential_id'), 'learning_path_award_component',
                    ['credential_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_learning_path_award_component_credential_id'), table_name='learning_path_award_component')
    op.drop_table('learning_path_award_component')
    op.drop_index(op.f('ix_learning_path_award_user_id'), table_name='learning_path_award')
    op.drop_index('ix_learning_path_award_flagged', table_name='learning_path_award')
    op.drop_table('learning_path_award')
    op.drop_index(op.f('ix_learning_path_step_module_id'), table_name='learning_path_step')
    op.drop_index(op.f('ix_learning_path_step_course_id'), table_name='learning_path_step')
    op.drop_table('learning_path_step')
    op.drop_table('learning_path')
    level_badges = "SELECT id FROM badge_credential WHERE completion_record_id IS NULL"
    op.execute(f"DELETE FROM notification WHERE credential_id IN ({level_badges})")
    op.execute("DELETE FROM badge_credential WHERE completion_record_id IS NULL")
    with op.batch_alter_table('badge_credential') as batch:
        batch.alter_column('completion_record_id', existing_type=sa.Integer(), nullable=False)
