"""agencies and reminders

Revision ID: 0003
Revises: 0002
"""

from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

SEED = Path(__file__).parents[2] / "seed" / "agencies_quang_nam_2023.yaml"

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "agencies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("group", sa.String(length=24), nullable=False),
        sa.Column("seed", sa.String(length=40), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("successor_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
    )
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("offsets", sa.JSON(), nullable=False),
        sa.Column("overdue_every", sa.Integer(), nullable=False),
        sa.Column("overdue_max", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlines")),
    )
    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("by_admin", sa.String(length=80), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_acknowledgements_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_acknowledgements_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["deadline_id"],
            ["deadlines.id"],
            name=op.f("fk_acknowledgements_deadline_id_deadlines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgements")),
        sa.UniqueConstraint(
            "deadline_id", "agency_id", name=op.f("uq_acknowledgements_deadline_id_agency_id")
        ),
    )
    op.create_table(
        "agency_officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_agency_officers_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_agency_officers_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_officers")),
    )
    with op.batch_alter_table("agency_officers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agency_officers_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_agency_officers_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "link_codes",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_link_codes_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["used_by"], ["contacts.id"], name=op.f("fk_link_codes_used_by_contacts")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_link_codes")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column("office_hours", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(batch_op.f("ix_outbox_topic"), ["topic"], unique=False)

    _seed()


def _seed() -> None:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    agencies = sa.table(
        "agencies",
        *(
            sa.column(name)
            for name in (
                "id",
                "name",
                "short_name",
                "kind",
                "group",
                "seed",
                "valid_from",
                "valid_to",
            )
        ),
        sa.column("successor_ids", sa.JSON),
    )
    op.bulk_insert(
        agencies,
        [
            {
                "id": a["id"],
                "name": a["name"],
                "short_name": a["short"],
                "kind": a["kind"],
                "group": a["group"],
                "seed": data["seed"],
                "valid_from": data["valid_from"],
                "valid_to": None,
                "successor_ids": [],
            }
            for a in data["agencies"]
        ],
    )
    # The plan's own deadline: "báo cáo kết quả thực hiện về Sở Khoa học và Công nghệ để tổng
    # hợp, báo cáo UBND tỉnh trước 30/11/2023" (the article).
    deadlines = sa.table(
        "deadlines",
        sa.column("title"),
        sa.column("description"),
        sa.column("due_date"),
        sa.column("targets", sa.JSON),
        sa.column("offsets", sa.JSON),
        sa.column("overdue_every"),
        sa.column("overdue_max"),
        sa.column("active"),
        sa.column("created_at"),
        sa.column("created_by"),
    )
    op.bulk_insert(
        deadlines,
        [
            {
                "title": "Báo cáo kết quả thực hiện Kế hoạch 1349/KH-UBND năm 2023",
                "description": (
                    "Các Sở, Ban, ngành và UBND các huyện, thị xã, thành phố báo cáo kết quả "
                    "thực hiện về Sở Khoa học và Công nghệ để tổng hợp, báo cáo UBND tỉnh "
                    "trước 30/11/2023."
                ),
                "due_date": date(2023, 11, 30),
                "targets": ["so-ban-nganh", "ubnd-cap-huyen"],
                "offsets": [14, 7, 3, 1, 0],
                "overdue_every": 2,
                "overdue_max": 5,
                "active": True,
                "created_at": datetime(2023, 1, 1, tzinfo=UTC),
                "created_by": "seed",
            }
        ],
    )


def downgrade() -> None:

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_topic"))
        batch_op.drop_column("office_hours")
        batch_op.drop_column("topic")

    op.drop_table("link_codes")
    with op.batch_alter_table("agency_officers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_officers_contact_id"))
        batch_op.drop_index(batch_op.f("ix_agency_officers_agency_id"))

    op.drop_table("agency_officers")
    op.drop_table("acknowledgements")
    op.drop_table("deadlines")
    op.drop_table("agencies")
