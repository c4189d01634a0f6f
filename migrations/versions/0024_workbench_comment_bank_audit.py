"""comment_bank_audit: every addition, edit and deletion of a comment in an exercise's comment bank;
cohort.auto_assign: arriving work goes at once to the mentor with the least open work;
draft_attachment: files chosen for an answer, kept with the learner's draft until submitted

Revision ID: 0024_workbench
Revises: 0022_deadlines
Create Date: 2026-12-01 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_workbench'
down_revision = '0022_deadlines'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_assign', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.alter_column('auto_assign', existing_type=sa.Boolean(), existing_nullable=False, server_default=None)
    op.create_table(
        'comment_bank_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('module_id', sa.Integer(), nullable=False),
        sa.Column('exercise_slug', sa.String(length=100), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN ('add', 'edit', 'delete')", name=op.f('ck_comment_bank_audit_action')),
        sa.ForeignKeyConstraint(['module_id'], ['module.id'], ondelete='RESTRICT',
                                name=op.f('fk_comment_bank_audit_module_id_module')),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], ondelete='RESTRICT',
                                name=op.f('fk_comment_bank_audit_actor_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_bank_audit')),
    )
    op.create_index('ix_comment_bank_audit_exercise', 'comment_bank_audit',
                    ['module_id', 'exercise_slug', 'created_at'], unique=False)
    op.create_index(op.f('ix_comment_bank_audit_actor_id'), 'comment_bank_audit', ['actor_id'], unique=False)
    op.create_table(
        'draft_attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('media_type', sa.String(length=127), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('size >= 0', name=op.f('ck_draft_attachment_size_not_negative')),
        sa.ForeignKeyConstraint(['draft_id'], ['answer_draft.id'], ondelete='CASCADE',
                                name=op.f('fk_draft_attachment_draft_id_answer_draft')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_attachment')),
    )
    op.create_index(op.f('ix_draft_attachment_draft_id'), 'draft_attachment', ['draft_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_draft_attachment_draft_id'), table_name='draft_attachment')
    op.drop_table('draft_attachment')
    op.drop_index(op.f('ix_comment_bank_audit_actor_id'), table_name='comment_bank_audit')
    op.drop_index('ix_comment_bank_audit_exercise', table_name='comment_bank_audit')
    op.drop_table('comment_bank_audit')
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('auto_assign')
