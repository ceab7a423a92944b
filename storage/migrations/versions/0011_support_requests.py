"""support requests: nominations for the expert training, guidance, Quality Award interest and
S&T task proposals, with their yearly codes; and the guidance topics the department edits

Revision ID: 0011
Revises: 0010
"""

from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SEED = Path(__file__).parents[2] / "seed" / "support_topics.yaml"


def upgrade() -> None:
    topics = op.create_table(
        "support_topics",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_topics")),
    )
    op.create_table(
        "support_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=24), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("assignee", sa.String(length=80), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"],
                                name=op.f("fk_support_requests_contact_id_contacts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_requests")),
        sa.UniqueConstraint("code", name=op.f("uq_support_requests_code")),
        sa.UniqueConstraint("kind", "year", "number",
                            name=op.f("uq_support_requests_kind_year_number")),
    )
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_requests_contact_id"), ["contact_id"])
        batch_op.create_index(batch_op.f("ix_support_requests_topic"), ["topic"])
    seed = yaml.safe_load(SEED.read_text(encoding="utf-8"))["topics"]
    op.bulk_insert(topics, [
        {"id": item["id"], "label": item["label"], "position": position, "active": True}
        for position, item in enumerate(seed, start=1)
    ])


def downgrade() -> None:
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_requests_topic"))
        batch_op.drop_index(batch_op.f("ix_support_requests_contact_id"))
    op.drop_table("support_requests")
    op.drop_table("support_topics")
