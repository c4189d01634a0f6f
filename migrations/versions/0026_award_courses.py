"""learning_path_award_course: the self-reported catalogue courses a level badge lists as evidence, so that
un-marking one flags the badge (issue 15)

Revision ID: 0026_award_courses
Revises: 0024_workbench
Create Date: 2026-12-01 05:00:00

Nothing is back-filled: level badges awarded before this revision have no course rows (their evidence
names the courses only inside the signed credential), so un-marking a course flags only badges awarded
from now on.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_award_courses'
down_revision = '0024_workbench'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'learning_path_award_course',
        sa.Column('award_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['award_id'], ['learning_path_award.id'],
                                name=op.f('fk_learning_path_award_course_award_id_learning_path_award'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['course_id'], ['catalogue_course.id'],
                                name=op.f('fk_learning_path_award_course_course_id_catalogue_course'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('award_id', 'course_id', name=op.f('pk_learning_path_award_course')),
    )
    op.create_index(op.f('ix_learning_path_award_course_course_id'), 'learning_path_award_course',
                    ['course_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_learning_path_award_course_course_id'), table_name='learning_path_award_course')
    op.drop_table('learning_path_award_course')
