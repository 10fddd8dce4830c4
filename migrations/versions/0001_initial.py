"""The first schema: accounts and API tokens, calibrations, recordings with their samples and events, presets.

Revision ID: 0001
Revises: 
Create Date: 2026-12-04 17:53:59.873191

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('users',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('name_key', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('auth_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('name_key', name=op.f('uq_users_name_key'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('digest', name=op.f('uq_api_tokens_digest'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('calibrations',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('accuracy_deg', sa.Float(), nullable=False),
    sa.Column('precision_deg', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calibrations_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibrations'))
    )
    with op.batch_alter_table('calibrations', schema=None) as batch_op:
        batch_op.create_index('ix_calibrations_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_calibrations_user_id'), ['user_id'], unique=False)

    op.create_table('presets',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('chain', sa.JSON(), nullable=False),
    sa.Column('filter', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_presets_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presets')),
    sa.UniqueConstraint('user_id', 'name', name='uq_presets_user_name')
    )
    with op.batch_alter_table('presets', schema=None) as batch_op:
        batch_op.create_index('ix_presets_shared_name', ['shared', 'name'], unique=False)
        batch_op.create_index(batch_op.f('ix_presets_user_id'), ['user_id'], unique=False)

    op.create_table('recordings',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('fps', sa.Float(), nullable=False),
    sa.Column('chain', sa.JSON(), nullable=False),
    sa.Column('filter', sa.JSON(), nullable=False),
    sa.Column('calibration_id', sa.String(length=16), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sample_count', sa.Integer(), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('data_version', sa.Integer(), nullable=False),
    sa.Column('frame_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['calibration_id'], ['calibrations.id'], name=op.f('fk_recordings_calibration_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recordings_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recordings'))
    )
    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.create_index('ix_recordings_status_heartbeat', ['status', 'heartbeat_at'], unique=False)
        batch_op.create_index('ix_recordings_user_started', ['user_id', 'started_at'], unique=False)

    op.create_table('gaze_events',
    sa.Column('recording_id', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('t', sa.Float(), nullable=False),
    sa.Column('duration', sa.Float(), nullable=False),
    sa.Column('x', sa.Float(), nullable=True),
    sa.Column('y', sa.Float(), nullable=True),
    sa.Column('x2', sa.Float(), nullable=True),
    sa.Column('y2', sa.Float(), nullable=True),
    sa.Column('amplitude', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_gaze_events_recording_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recording_id', 'seq', name=op.f('pk_gaze_events'))
    )
    op.create_table('gaze_samples',
    sa.Column('recording_id', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('t', sa.Float(), nullable=False),
    sa.Column('t_client', sa.Float(), nullable=True),
    sa.Column('x', sa.Float(), nullable=False),
    sa.Column('y', sa.Float(), nullable=False),
    sa.Column('yaw', sa.Float(), nullable=True),
    sa.Column('pitch', sa.Float(), nullable=True),
    sa.Column('pupil_mm', sa.Float(), nullable=True),
    sa.Column('openness', sa.Float(), nullable=True),
    sa.Column('blink', sa.Boolean(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('markers', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_gaze_samples_recording_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recording_id', 'seq', name=op.f('pk_gaze_samples'))
    )


def downgrade():
    op.drop_table('gaze_samples')
    op.drop_table('gaze_events')
    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.drop_index('ix_recordings_user_started')
        batch_op.drop_index('ix_recordings_status_heartbeat')

    op.drop_table('recordings')
    with op.batch_alter_table('presets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presets_user_id'))
        batch_op.drop_index('ix_presets_shared_name')

    op.drop_table('presets')
    with op.batch_alter_table('calibrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibrations_user_id'))
        batch_op.drop_index('ix_calibrations_user_created')

    op.drop_table('calibrations')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
