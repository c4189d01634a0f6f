"""Open Badges: issuers, keys, achievements, credentials; cohort badge approval

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 03:35:49.880597

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('badge_issuer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('name_ja', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('identifier_method', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("identifier_method IN ('https', 'did:key')", name=op.f('ck_badge_issuer_identifier_method')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_badge_issuer_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_issuer')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_badge_issuer_organization_id'))
    )
    op.create_table('badge_achievement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('talent_level', sa.Integer(), nullable=False),
    sa.Column('name_ja', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('description_ja', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('criteria_ja', sa.Text(), nullable=False),
    sa.Column('criteria_en', sa.Text(), nullable=False),
    sa.Column('alignments', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'module') = (module_id IS NOT NULL)", name=op.f('ck_badge_achievement_module_achievement_has_module')),
    sa.CheckConstraint("kind IN ('module', 'talent_level')", name=op.f('ck_badge_achievement_kind')),
    sa.CheckConstraint('talent_level BETWEEN 0 AND 3', name=op.f('ck_badge_achievement_talent_level')),
    sa.ForeignKeyConstraint(['issuer_id'], ['badge_issuer.id'], name=op.f('fk_badge_achievement_issuer_id_badge_issuer')),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_badge_achievement_module_id_module')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_achievement')),
    sa.UniqueConstraint('issuer_id', 'module_id', name=op.f('uq_badge_achievement_issuer_id_module_id'))
    )
    op.create_table('badge_issuer_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('public_key_multibase', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issuer_id'], ['badge_issuer.id'], name=op.f('fk_badge_issuer_key_issuer_id_badge_issuer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_issuer_key')),
    sa.UniqueConstraint('issuer_id', 'number', name=op.f('uq_badge_issuer_key_issuer_id_number')),
    sa.UniqueConstraint('public_key_multibase', name=op.f('uq_badge_issuer_key_public_key_multibase'))
    )
    op.create_table('badge_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('completion_record_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_list_index', sa.Integer(), nullable=False),
    sa.Column('recipient_salt', sa.String(length=64), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=True),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('evidence_public', sa.Boolean(), nullable=False),
    sa.Column('ob3_json', sa.Text(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL)", name=op.f('ck_badge_credential_revoked_has_time')),
    sa.CheckConstraint("status = 'awaiting_approval' OR (ob3_json IS NOT NULL AND issued_at IS NOT NULL)", name=op.f('ck_badge_credential_issued_has_document')),
    sa.CheckConstraint("status IN ('awaiting_approval', 'issued', 'revoked')", name=op.f('ck_badge_credential_status')),
    sa.ForeignKeyConstraint(['achievement_id'], ['badge_achievement.id'], name=op.f('fk_badge_credential_achievement_id_badge_achievement')),
    sa.ForeignKeyConstraint(['completion_record_id'], ['completion_record.id'], name=op.f('fk_badge_credential_completion_record_id_completion_record')),
    sa.ForeignKeyConstraint(['issuer_id'], ['badge_issuer.id'], name=op.f('fk_badge_credential_issuer_id_badge_issuer')),
    sa.ForeignKeyConstraint(['recipient_id'], ['user_account.id'], name=op.f('fk_badge_credential_recipient_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_credential')),
    sa.UniqueConstraint('completion_record_id', name=op.f('uq_badge_credential_completion_record_id')),
    sa.UniqueConstraint('issuer_id', 'status_list_index', name=op.f('uq_badge_credential_issuer_id_status_list_index')),
    sa.UniqueConstraint('uuid', name=op.f('uq_badge_credential_uuid'))
    )
    with op.batch_alter_table('badge_credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_badge_credential_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index('ix_badge_credential_status', ['status'], unique=False)

    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('badges_need_approval', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publishes_badge_evidence', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('publishes_badge_evidence')

    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('badges_need_approval')

    with op.batch_alter_table('badge_credential', schema=None) as batch_op:
        batch_op.drop_index('ix_badge_credential_status')
        batch_op.drop_index(batch_op.f('ix_badge_credential_recipient_id'))

    op.drop_table('badge_credential')
    op.drop_table('badge_issuer_key')
    op.drop_table('badge_achievement')
    op.drop_table('badge_issuer')
