"""Course catalogue: external courses and cases (with topics), learners' marks of courses done, and the
search index (SQLite: an FTS5 trigram table kept by triggers; PostgreSQL: pg_trgm's GIN index)

Revision ID: 0021_catalogue
Revises: 0015_selfenrol
Create Date: 2026-11-30 22:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_catalogue'
down_revision = '0015_selfenrol'
branch_labels = None
depends_on = None

FTS = "catalogue_course_fts"


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        'catalogue_course',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('provider', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('hours', sa.Numeric(precision=6, scale=1), nullable=True),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('dss_role', sa.Enum('literacy', 'business_architect', 'designer', 'data_scientist',
                                      'software_engineer', 'cybersecurity', name='dss_role', native_enum=False,
                                      length=32, create_constraint=True), nullable=True),
        sa.Column('is_free', sa.Boolean(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('last_checked_on', sa.Date(), nullable=False),
        sa.Column('search_text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('level BETWEEN 0 AND 3', name=op.f('ck_catalogue_course_level')),
        sa.CheckConstraint("language IN ('ja', 'en')", name=op.f('ck_catalogue_course_language')),
        sa.CheckConstraint('hours IS NULL OR hours > 0', name=op.f('ck_catalogue_course_hours_positive')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_course')),
        sa.UniqueConstraint('url', name=op.f('uq_catalogue_course_url')),
    )
    op.create_table(
        'catalogue_topic',
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['catalogue_course.id'], name=op.f('fk_catalogue_topic_course_id_catalogue_course'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('course_id', 'name', name=op.f('pk_catalogue_topic')),
    )
    op.create_index(op.f('ix_catalogue_topic_name'), 'catalogue_topic', ['name'], unique=False)
    op.create_table(
        'catalogue_course_done',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['catalogue_course.id'],
                                name=op.f('fk_catalogue_course_done_course_id_catalogue_course'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_catalogue_course_done_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_course_done')),
        sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_catalogue_course_done_user_id_course_id')),
    )
    op.create_index(op.f('ix_catalogue_course_done_course_id'), 'catalogue_course_done', ['course_id'], unique=False)
    if postgresql:
        op.create_index('ix_catalogue_course_search_trgm', 'catalogue_course', ['search_text'], unique=False,
                        postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    else:
        op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(search_text, content='catalogue_course', "
                   "content_rowid='id', tokenize='trigram')")
        op.execute(f"CREATE TRIGGER catalogue_course_fts_insert AFTER INSERT ON catalogue_course BEGIN "
                   f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END")
        op.execute(f"CREATE TRIGGER catalogue_course_fts_delete AFTER DELETE ON catalogue_course BEGIN "
                   f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END")
        op.execute(f"CREATE TRIGGER catalogue_course_fts_update AFTER UPDATE OF search_text ON catalogue_course BEGIN "
                   f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
                   f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_catalogue_course_search_trgm', table_name='catalogue_course')
    else:
        op.execute(f"DROP TABLE IF EXISTS {FTS}")  # its triggers go with catalogue_course below
    op.drop_index(op.f('ix_catalogue_course_done_course_id'), table_name='catalogue_course_done')
    op.drop_table('catalogue_course_done')
    op.drop_index(op.f('ix_catalogue_topic_name'), table_name='catalogue_topic')
    op.drop_table('catalogue_topic')
    op.drop_table('catalogue_course')
