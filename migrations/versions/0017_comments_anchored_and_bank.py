"""Comments: anchored_comment (a mentor's comment on a passage of a submission version),
comment_bank_entry (reusable comments per exercise and criterion), discussion_message (the thread
about a submission)

Revision ID: 0017_comments
Revises: 0018_fairness
Create Date: 2026-11-30 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_comments'
down_revision = '0018_fairness'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('anchored_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_version_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('text_offset', sa.Integer(), nullable=False),
    sa.Column('paragraph', sa.Integer(), nullable=True),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('text_offset >= 0', name=op.f('ck_anchored_comment_text_offset_not_negative')),
    sa.CheckConstraint('paragraph IS NULL OR paragraph >= 0', name=op.f('ck_anchored_comment_paragraph_not_negative')),
    sa.ForeignKeyConstraint(['mentor_id'], ['user_account.id'], name=op.f('fk_anchored_comment_mentor_id_user_account'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submission_version_id'], ['submission_version.id'],
                            name=op.f('fk_anchored_comment_submission_version_id_submission_version'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anchored_comment'))
    )
    with op.batch_alter_table('anchored_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anchored_comment_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_anchored_comment_submission_version_id'), ['submission_version_id'],
                              unique=False)

    op.create_table('comment_bank_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('exercise_slug', sa.String(length=100), nullable=False),
    sa.Column('criterion_slug', sa.String(length=100), nullable=True),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_comment_bank_entry_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_comment_bank_entry_module_id_module'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_bank_entry'))
    )
    with op.batch_alter_table('comment_bank_entry', schema=None) as batch_op:
        batch_op.create_index('ix_comment_bank_entry_exercise', ['module_id', 'exercise_slug', 'position'],
                              unique=False)

    op.create_table('discussion_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                            name=op.f('fk_discussion_message_author_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'],
                            name=op.f('fk_discussion_message_submission_id_submission'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_message'))
    )
    with op.batch_alter_table('discussion_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_message_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_message_submission_id'), ['submission_id'], unique=False)


def downgrade():
    with op.batch_alter_table('discussion_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_message_submission_id'))
        batch_op.drop_index(batch_op.f('ix_discussion_message_author_id'))
    op.drop_table('discussion_message')
    with op.batch_alter_table('comment_bank_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_bank_entry_exercise')
    op.drop_table('comment_bank_entry')
    with op.batch_alter_table('anchored_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anchored_comment_submission_version_id'))
        batch_op.drop_index(batch_op.f('ix_anchored_comment_mentor_id'))
    op.drop_table('anchored_comment')
