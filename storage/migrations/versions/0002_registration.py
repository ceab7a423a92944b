"""registration

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_settings",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_org_settings")),
    )
    op.create_table(
        "training_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_classes")),
        sa.UniqueConstraint("code", name=op.f("uq_training_classes_code")),
        sa.UniqueConstraint("prefix", name=op.f("uq_training_classes_prefix")),
    )
    op.create_table(
        "class_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("venue", sa.String(length=300), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("registration_open", sa.Boolean(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "seats_taken <= capacity", name=op.f("ck_class_sessions_seats_within_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["training_classes.id"],
            name=op.f("fk_class_sessions_class_id_training_classes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_sessions")),
    )
    op.create_table(
        "club_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("school", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=100), nullable=True),
        sa.Column("student_id", sa.String(length=20), nullable=True),
        sa.Column("class_name", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("age_confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_club_memberships_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_club_memberships")),
        sa.UniqueConstraint("code", name=op.f("uq_club_memberships_code")),
    )
    with op.batch_alter_table("club_memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_club_memberships_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("purposes_granted", sa.JSON(), nullable=False),
        sa.Column("purposes_refused", sa.JSON(), nullable=False),
        sa.Column("text_version", sa.String(length=16), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_consent_events_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_events_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_data_requests_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
    )
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_requests_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_outbox_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_due", ["status", "priority", "next_attempt_at"], unique=False
        )

    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("tax_code", sa.String(length=16), nullable=True),
        sa.Column("locality", sa.String(length=32), nullable=True),
        sa.Column("sector", sa.String(length=32), nullable=True),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("position", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["training_classes.id"],
            name=op.f("fk_registrations_class_id_training_classes"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_registrations_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["class_sessions.id"],
            name=op.f("fk_registrations_session_id_class_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint("code", name=op.f("uq_registrations_code")),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registrations_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "uq_registrations_active_tax_code",
            ["class_id", "tax_code"],
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        )

    # The three classes of the plan: "Tổ chức 03 lớp tập huấn nhận thức về năng suất chất lượng,
    # về đổi mới sáng tạo, về ứng dụng công nghệ thông tin trong quản lý" (the article).
    classes = sa.table(
        "training_classes",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("prefix", sa.String),
        sa.column("title", sa.String),
        sa.column("position", sa.Integer),
    )
    op.bulk_insert(
        classes,
        [
            {
                "id": 1,
                "code": "lop1",
                "prefix": "LTH1",
                "position": 1,
                "title": "Tập huấn nhận thức về năng suất chất lượng",
            },
            {
                "id": 2,
                "code": "lop2",
                "prefix": "LTH2",
                "position": 2,
                "title": "Tập huấn về đổi mới sáng tạo",
            },
            {
                "id": 3,
                "code": "lop3",
                "prefix": "LTH3",
                "position": 3,
                "title": "Tập huấn về ứng dụng công nghệ thông tin trong quản lý",
            },
        ],
    )
    if op.get_bind().dialect.name == "postgresql":  # explicit ids do not move the sequence
        op.execute("SELECT setval(pg_get_serial_sequence('training_classes', 'id'), 3)")


def downgrade() -> None:

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_registrations_active_tax_code",
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        )
        batch_op.drop_index(batch_op.f("ix_registrations_contact_id"))

    op.drop_table("registrations")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_requests_contact_id"))

    op.drop_table("data_requests")
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_events_contact_id"))

    op.drop_table("consent_events")
    with op.batch_alter_table("club_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_club_memberships_contact_id"))

    op.drop_table("club_memberships")
    op.drop_table("class_sessions")
    op.drop_table("training_classes")
    op.drop_table("org_settings")
