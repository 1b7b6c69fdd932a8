"""Who asked: resolving each ticket's requester to a person, team and department, in bulk.

Order, first match wins (PRODUCT.md: requester → team → department):

1. a person in the directory with the requester's email;
2. a person whose name is the requester's name, when exactly one person has that name;
3. a requester rule, tried by field from the most to the least specific: requester name,
   department as written in the file, location, company;
4. a department whose name is the department written in the file.

A person found without a department still lets a rule or the file's department place the
ticket. Values compare case-insensitively with runs of spaces collapsed (exports write
``Opened by  8``). Requesters that end with no department are counted, never dropped.
Pure Polars; the services load the frames.
"""

from __future__ import annotations

import polars as pl

RULE_FIELDS = ("requester_name", "requester_department", "location", "company")
_TICKET_COLUMN = {"requester_name": "requester_name", "requester_department": "requester_department",
                  "location": "requester_location", "company": "requester_company"}

PEOPLE_SCHEMA = {"id": pl.Int64, "email": pl.Utf8, "name": pl.Utf8, "department_id": pl.Int64, "team_id": pl.Int64}
RULES_SCHEMA = {"field": pl.Utf8, "value": pl.Utf8, "department_id": pl.Int64, "team_id": pl.Int64}
DEPARTMENTS_SCHEMA = {"id": pl.Int64, "name": pl.Utf8}


def normalised(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()


def resolve(requesters: pl.DataFrame, people: pl.DataFrame, rules: pl.DataFrame,
            departments: pl.DataFrame) -> pl.DataFrame:
    """``requester_person_id``, ``requester_department_id``, ``requester_team_id`` per row.

    ``requesters`` has requester_email, requester_name, requester_location, requester_company
    and requester_department (text as in the file, any may be null), and optionally
    requester_id: a requester the file names only by the tool's user id (a Zendesk export
    without side-loaded users) matches people and rules by that id as if it were the name.
    """
    name = pl.col("requester_name")
    if "requester_id" in requesters.columns:
        name = pl.coalesce(name, pl.col("requester_id"))
    keys = requesters.select(
        normalised(pl.col("requester_email")).alias("k_email"),
        normalised(name).alias("k_requester_name"),
        normalised(pl.col("requester_department")).alias("k_requester_department"),
        normalised(pl.col("requester_location")).alias("k_location"),
        normalised(pl.col("requester_company")).alias("k_company"),
    ).with_row_index("_row")
    people = people.select(pl.col("id").alias("person_id"), normalised(pl.col("email")).alias("k_email"),
                           normalised(pl.col("name")).alias("k_name"), "department_id", "team_id")
    by_email = people.filter(pl.col("k_email").is_not_null()).unique("k_email", keep="first")
    by_name = people.filter(pl.col("k_name").is_not_null() & (pl.len().over("k_name") == 1))

    frame = keys.join(by_email.select("k_email", pl.col("person_id").alias("p1"),
                                      pl.col("department_id").alias("d1"), pl.col("team_id").alias("t1")),
                      on="k_email", how="left", maintain_order="left")
    frame = frame.join(by_name.select(pl.col("k_name").alias("k_requester_name"), pl.col("person_id").alias("p2"),
                                      pl.col("department_id").alias("d2"), pl.col("team_id").alias("t2")),
                       on="k_requester_name", how="left", maintain_order="left")
    frame = frame.with_columns(
        pl.when(pl.col("p1").is_not_null()).then(pl.col("p1")).otherwise(pl.col("p2")).alias("person_id"),
        pl.when(pl.col("p1").is_not_null()).then(pl.col("d1")).otherwise(pl.col("d2")).alias("department_id"),
        pl.when(pl.col("p1").is_not_null()).then(pl.col("t1")).otherwise(pl.col("t2")).alias("team_id"),
    ).drop("p1", "p2", "d1", "d2", "t1", "t2")

    rules = rules.with_columns(normalised(pl.col("value")).alias("k"))
    for index, rule_field in enumerate(RULE_FIELDS):
        these = rules.filter(pl.col("field") == rule_field).unique("k", keep="first").select(
            pl.col("k").alias(f"k_{rule_field}"), pl.col("department_id").alias(f"rd{index}"),
            pl.col("team_id").alias(f"rt{index}"))
        frame = frame.join(these, on=f"k_{rule_field}", how="left", maintain_order="left")
        # A rule places the ticket only when the person (if any) did not.
        use = pl.col("department_id").is_null() & pl.col(f"rd{index}").is_not_null()
        frame = frame.with_columns(
            pl.when(use).then(pl.col(f"rt{index}")).otherwise(pl.col("team_id")).alias("team_id"),
            pl.when(use).then(pl.col(f"rd{index}")).otherwise(pl.col("department_id")).alias("department_id"),
        ).drop(f"rd{index}", f"rt{index}")

    named = departments.select(pl.col("id").alias("dn"), normalised(pl.col("name")).alias("k_requester_department")) \
        .unique("k_requester_department", keep="first")
    frame = frame.join(named, on="k_requester_department", how="left", maintain_order="left")
    frame = frame.with_columns(pl.coalesce("department_id", "dn").alias("department_id"))
    return frame.sort("_row").select(pl.col("person_id").cast(pl.Int64).alias("requester_person_id"),
                                     pl.col("department_id").cast(pl.Int64).alias("requester_department_id"),
                                     pl.col("team_id").cast(pl.Int64).alias("requester_team_id"))


def requester_label(requesters: pl.DataFrame) -> pl.Expr:
    """How a requester reads in lists: "Name <email>", or whichever the file has."""
    name, email = pl.col("requester_name"), pl.col("requester_email")
    user = ("user " + pl.col("requester_id")) if "requester_id" in requesters.columns else pl.lit(None)
    return (pl.when(name.is_not_null() & email.is_not_null()).then(name + " <" + email + ">")
            .otherwise(pl.coalesce(name, email, user, pl.lit(""))))


def unresolved_summary(requesters: pl.DataFrame, department_ids: pl.Series, limit: int = 50) -> tuple[int, list[str]]:
    """(tickets without a department, the top ``limit`` requesters of those with their counts)."""
    missing = requesters.with_columns(department_ids.alias("_d")).filter(pl.col("_d").is_null())
    if missing.height == 0:
        return 0, []
    described = missing.select(
        pl.coalesce(requester_label(missing).replace("", None),
                    pl.when(pl.col("requester_location").is_not_null())
                    .then("location " + pl.col("requester_location")),
                    pl.lit("(no requester in the file)")).alias("who"))
    counts = described.group_by("who").len().sort(["len", "who"], descending=[True, False]).head(limit)
    return missing.height, [f"{who} ({count})" for who, count in counts.iter_rows()]
