"""The first schema: accounts, login throttle, rounds, units, submissions, evidence, review log, results.

Revision ID: r0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.db import UTCTime

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("ruleset_id", sa.String(100), nullable=False),
        sa.Column("ruleset_name", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("opens", UTCTime(), nullable=False),
        sa.Column("closes", UTCTime(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UTCTime(), nullable=False),
        sa.Column("finalized_at", UTCTime(), nullable=True),
        sa.Column("summary_json", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rounds"),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_type", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name="fk_units_round_id_rounds"),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
        sa.UniqueConstraint("round_id", "name", name="uq_units_round_id_name"),
    )
    op.create_index("ix_units_round_id", "units", ["round_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", UTCTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_users_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_index("ix_users_unit_id", "users", ["unit_id"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", UTCTime(), nullable=False),
        sa.Column("locked_until", UTCTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_login_throttle"),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCTime(), nullable=True),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("submitted_at", UTCTime(), nullable=True),
        sa.Column("total", sa.String(40), nullable=True),
        sa.Column("grade", sa.String(40), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_submissions_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.UniqueConstraint("unit_id", name="uq_submissions_unit_id"),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(200), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("uploaded_at", UTCTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_evidence_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
    )
    op.create_index("ix_evidence_unit_id", "evidence", ["unit_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("created_at", UTCTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_reviews_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
    )
    op.create_index("ix_reviews_unit_id", "reviews", ["unit_id"])
    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("sheet", sa.String(300), nullable=False),
        sa.Column("total", sa.String(40), nullable=False),
        sa.Column("grade", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_results_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_results"),
        sa.UniqueConstraint("unit_id", name="uq_results_unit_id"),
    )


def downgrade() -> None:
    for table in ("results", "reviews", "evidence", "submissions", "login_throttle", "users", "units", "rounds"):
        op.drop_table(table)
