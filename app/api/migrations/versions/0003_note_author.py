"""a note's author: the Cognito user (access token `sub`) who created it

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: notes written before sign-in existed (or with anonymous writes allowed) have no
    # author, and nobody may change them once sign-in is on. Adding a nullable column without a
    # default only changes the catalog: no table rewrite, no long lock.
    op.add_column("notes", sa.Column("author_id", sa.String(length=64), nullable=True))
    op.create_index("ix_notes_author_id", "notes", ["author_id"])


def downgrade() -> None:
    op.drop_index("ix_notes_author_id", table_name="notes")
    op.drop_column("notes", "author_id")
