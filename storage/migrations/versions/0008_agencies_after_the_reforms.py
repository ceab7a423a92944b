"""agencies after the 2025 reforms, the 2023 deadline closed, communes on registrations

Revision ID: 0008
Revises: 0007
"""

from datetime import date
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

SEED = Path(__file__).parents[2] / "seed" / "agencies_reforms_2025.yaml"

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

agencies = sa.table(
    "agencies",
    *(sa.column(name) for name in ("id", "name", "short_name", "kind", "group", "seed")),
    sa.column("valid_from", sa.Date),
    sa.column("valid_to", sa.Date),
    sa.column("successor_ids", sa.JSON),
)
deadlines = sa.table(
    "deadlines", sa.column("active", sa.Boolean), sa.column("due_date", sa.Date),
    sa.column("created_by"),
)
# The plan's own deadline (30/11/2023), seeded by 0003: closed, its acknowledgements kept.
SEEDED_DEADLINE = sa.and_(deadlines.c.created_by == "seed",
                          deadlines.c.due_date == date(2023, 11, 30))


def upgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commune", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("region", sa.String(length=16), nullable=True))
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    existing = set(op.get_bind().scalars(sa.select(agencies.c.id)))
    added = [
        {"id": a["id"], "name": a["name"], "short_name": a["short"], "kind": a["kind"],
         "group": a["group"], "seed": data["seed"], "valid_from": a["valid_from"],
         "valid_to": a.get("valid_to"), "successor_ids": []}
        for a in data["added"] if a["id"] not in existing  # an admin may have added one
    ]
    if added:
        op.bulk_insert(agencies, added)
    # Only rows nobody has ended yet: an end date an admin set stays as it is.
    still_open = agencies.c.valid_to.is_(None)
    for item in data["ended"]:
        op.execute(agencies.update()
                   .where(agencies.c.id == item["id"], still_open)
                   .values(valid_to=item["valid_to"], successor_ids=item["successors"]))
    groups = data["ended_groups"]
    op.execute(agencies.update()
               .where(agencies.c.group.in_(groups["groups"]), still_open,
                      agencies.c.seed == "quang-nam-2023")
               .values(valid_to=groups["valid_to"]))
    op.execute(deadlines.update().where(SEEDED_DEADLINE).values(active=False))


def downgrade() -> None:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    op.execute(deadlines.update().where(SEEDED_DEADLINE).values(active=True))
    op.execute(agencies.update().where(agencies.c.seed == "quang-nam-2023")
               .values(valid_to=None, successor_ids=[]))
    op.execute(agencies.delete().where(agencies.c.id.in_([a["id"] for a in data["added"]])))
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_column("region")
        batch_op.drop_column("commune")
