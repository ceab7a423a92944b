"""the organisation has one contact: a controller contact entered before becomes the
department's contact (the consent notice and every answer now read the same field)

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO org_settings (key, value, updated_at, updated_by)"
        " SELECT 'dept_contact', value, updated_at, updated_by FROM org_settings"
        " WHERE key = 'controller_contact'"
        " AND NOT EXISTS (SELECT 1 FROM org_settings WHERE key = 'dept_contact')"
    )
    op.execute("DELETE FROM org_settings WHERE key = 'controller_contact'")


def downgrade() -> None:
    pass  # the merged contact stays the department's contact
