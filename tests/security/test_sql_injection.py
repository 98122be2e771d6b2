"""Security: storage runs only constant SQL with bound parameters, checked over its source."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

SQL_CALLS = {
    "execute",
    "executemany",
    "executescript",
    "execute_fetchall",
    "execute_insert",
    "scalar",
    "read_scalar",
    "fetch",  # asyncpg (the PostgreSQL store)
    "fetchrow",
    "fetchval",
}
# (file, the SQL argument as ast.unparse shows it): each with why it cannot be a constant with bound values.
SQL_WHITELIST = {
    # PRAGMA values cannot be bound; both are ints formatted with :d.
    ("db.py", "f'PRAGMA user_version = {number:d}'"),
    ("db.py", "f'PRAGMA application_id = {APPLICATION_ID:d}'"),
    # The statements of the bundled migrations/NNNN_*.sql files, run in order.
    ("db.py", "statement"),
    # Database.scalar passes its caller's SQL through; every call of scalar is checked like execute.
    ("db.py", "sql"),
    # The PostgreSQL store: the bundled postgres/migrations/NNNN_*.sql files, and read_scalar's caller's SQL.
    ("postgres/db.py", "sql"),
    # Export's queries: Table.template constants of export.py filled with the dialect's constant fragments.
    ("export.py", "table.sql('sqlite')"),
    # migrate-db and backup copy whole tables: names from the table map (bot/storage/tables.py, checked against
    # both live schemas, quoted), constraint names and definitions read from PostgreSQL's own catalog, and the
    # SQLite schema script of the bundled migrations. No value is ever formatted into these.
    (
        "postgres/backup.py",
        "f'BEGIN;\\n{script}\\nPRAGMA user_version = {SQLITE_LATEST:d};\\nPRAGMA application_id = {APPLICATION_ID:d};\\nCOMMIT;'",
    ),
    ("postgres/backup.py", "PG_SCHEMA"),
    ("postgres/migrate_db.py", "PG_SCHEMA"),
    (
        "postgres/migrate_db.py",
        "'LOCK TABLE ' + ', '.join(map(quoted, names)) + ' IN SHARE ROW EXCLUSIVE MODE'",
    ),
    (
        "postgres/migrate_db.py",
        "' UNION ALL '.join((f'({any_row_sql(t)})' for t in names if t not in SEEDED))",
    ),
    ("postgres/migrate_db.py", "f'ALTER TABLE {quoted(table)} DROP CONSTRAINT {quoted(name)}'"),
    ("postgres/migrate_db.py", "f'ALTER TABLE {quoted(table)} ADD CONSTRAINT {quoted(name)} {definition}'"),
    # The snapshot's value/fetch pass their caller's SQL through (as Database.scalar); each caller is checked.
    ("postgres/snapshot.py", "sql"),
    # The totals check: constant fragments of totals_check.py around the quoted names of COPIED tables.
    ("postgres/totals_check.py", "_compare(names, kept, expected)"),
}
# Builders of SQL from the table map's identifiers only (bot/storage/tables.py): each refuses a table that is not
# one quizbot copies and quotes every name (tests/storage/test_copy_tables.py).
IDENTIFIER_SQL = {"select_sql", "count_sql", "max_sql", "any_row_sql", "delete_sql", "insert_sql"}


class _SqlChecker:
    """Finds SQL arguments that are not built from string constants alone."""

    def __init__(self, tree: ast.Module, filename: str) -> None:
        self.filename = filename
        self.module_consts: set[str] = set()
        self.fields: dict[str, bool] = {}  # dataclass field -> every construction passes a constant
        self.problems: list[str] = []
        assigned: dict[str, list[ast.expr]] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(node.value)
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.value is not None
            ):
                assigned.setdefault(node.target.id, []).append(node.value)
        for _ in range(3):  # constants built from other constants
            for name, values in assigned.items():
                if all(self._const(v, {}) for v in values):
                    self.module_consts.add(name)
        self._dataclass_fields(tree)
        self.tree = tree

    def _dataclass_fields(self, tree: ast.Module) -> None:
        classes = {
            node.name: [
                s.target.id
                for s in node.body
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
            ]
            for node in tree.body
            if isinstance(node, ast.ClassDef)
        }
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            if isinstance(call.func, ast.Name) and call.func.id in classes:
                names = classes[call.func.id]
                given = list(zip(names, call.args, strict=False)) + [
                    (k.arg, k.value) for k in call.keywords if k.arg
                ]
                for field, value in given:
                    ok = self._const(value, {}) if isinstance(value, ast.expr) else False
                    self.fields[field] = self.fields.get(field, True) and ok

    def _const(self, node: ast.expr, local: dict[str, list[ast.expr] | None]) -> bool:
        """True when `node` can only be a string assembled from literals and module constants."""
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str | int | float | bytes)
        if isinstance(node, ast.JoinedStr):
            return all(isinstance(v, ast.Constant) for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._const(node.left, local) and self._const(node.right, local)
        if isinstance(node, ast.Tuple):
            return all(self._const(e, local) for e in node.elts)
        if isinstance(node, ast.Name):
            if node.id in local:
                values = local[node.id]
                return values is not None and all(
                    self._const(v, {k: v2 for k, v2 in local.items() if k != node.id}) for v in values
                )
            return node.id in self.module_consts
        if isinstance(node, ast.Attribute):
            return self.fields.get(node.attr, False)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in IDENTIFIER_SQL:
            return True
        # The one whitelisted idiom: CONSTANT.format(",".join("?" * n)), markers for n bound values. Anything
        # else (%-formatting, other .format(), calls, subscripts, parameters) is not a constant.
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and not node.keywords
            and self._const(node.func.value, local)
            and bool(node.args)
            and all(_placeholders(a) for a in node.args)
        )

    @staticmethod
    def _locals(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, list[ast.expr] | None]:
        """Each local name and the expressions it is bound to (None: bound to something we cannot see)."""
        found: dict[str, list[ast.expr] | None] = {}
        args = fn.args
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None:
                found[a.arg] = None
        for node in ast.walk(fn):
            pairs: list[tuple[ast.expr, ast.expr | None]] = []
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        pairs += list(zip(target.elts, node.value.elts, strict=False))
                    else:
                        pairs.append((target, node.value if isinstance(target, ast.Name) else None))
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                pairs.append((node.target, None if isinstance(node, ast.AugAssign) else node.value))
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                it = node.iter
                elements = it.elts if isinstance(it, ast.Tuple | ast.List) else None
                for name in ast.walk(node.target):
                    if isinstance(name, ast.Name):
                        if elements is not None and isinstance(node.target, ast.Name):
                            for e in elements:
                                pairs.append((name, e))
                        else:
                            pairs.append((name, None))
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                pairs.append((node.optional_vars, None))
            for target, value in pairs:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        if value is None or found.get(name.id, []) is None:
                            found[name.id] = None
                        else:
                            current = found.setdefault(name.id, [])
                            assert current is not None
                            current.append(value)
        return found

    def run(self) -> list[str]:
        for fn in (n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            local = self._locals(fn)
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
                func = call.func
                if not (isinstance(func, ast.Attribute) and func.attr in SQL_CALLS and call.args):
                    continue
                sql = call.args[0]
                if self._const(sql, local):
                    continue
                if (self.filename, ast.unparse(sql)) in SQL_WHITELIST:
                    continue
                self.problems.append(
                    f"{self.filename}:{call.lineno} in {fn.name}(): {func.attr}({ast.unparse(sql)})"
                )
        return self.problems


def _placeholders(node: ast.expr) -> bool:
    """`",".join("?" * n)` (or `["?"] * n`): a run of bound-parameter markers, never a value."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and isinstance(node.func.value, ast.Constant)
        and node.func.value.value in (",", ", ")
        and len(node.args) == 1
        and not node.keywords
    ):
        return False
    arg = node.args[0]
    if not (isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mult)):
        return False
    marker = arg.left
    if isinstance(marker, ast.List) and len(marker.elts) == 1:
        marker = marker.elts[0]
    return isinstance(marker, ast.Constant) and marker.value == "?"


def sql_problems(source: str, filename: str) -> list[str]:
    return _SqlChecker(ast.parse(source), filename).run()


def test_storage_runs_only_constant_sql_with_bound_parameters() -> None:
    storage = ROOT / "bot" / "storage"
    files = sorted(storage.rglob("*.py"))  # the SQLite store and the PostgreSQL one in postgres/
    assert len(files) >= 16
    problems = [
        p
        for f in files
        for p in sql_problems(f.read_text(encoding="utf-8"), f.relative_to(storage).as_posix())
    ]
    assert problems == [], (
        "SQL must be a constant with bound parameters; for a list of values bind one JSON array and use "
        "'IN (SELECT value FROM json_each(?))' (as RoundRepo.rounds_in does) instead of formatting placeholders"
    )
    for filename, sql in SQL_WHITELIST:  # the whitelist holds nothing that is no longer there
        tree = ast.parse((ROOT / "bot" / "storage" / filename).read_text(encoding="utf-8"))
        assert any(
            isinstance(c, ast.Call) and c.args and ast.unparse(c.args[0]) == sql for c in ast.walk(tree)
        ), sql


@pytest.mark.parametrize(
    "body",
    [
        "await conn.execute(f\"SELECT * FROM t WHERE name = '{name}'\")",
        "await conn.execute(\"SELECT * FROM t WHERE name = '%s'\" % name)",
        "await conn.execute(\"SELECT * FROM t WHERE name = '{}'\".format(name))",
        'await conn.execute("SELECT * FROM t WHERE name = \'" + name + "\'")',
        "await conn.executemany(_SQL + name, [])",
        'sql = "SELECT * FROM t WHERE x = " + name\n    await conn.executescript(sql)',
        'await self.db.scalar(f"SELECT count(*) FROM {name}")',
        'for table in tables:\n        await conn.execute("DELETE FROM " + table)',
        'await conn.execute(_SQL.format(",".join(tables)), ())',
        'await conn.execute(_SQL.format(",".join("?" * len(tables)), name), ())',
    ],
    ids=[
        "f-string",
        "percent",
        "format",
        "concat",
        "constant-plus-param",
        "via-local",
        "scalar",
        "loop-var",
        "format-joined-values",
        "format-placeholders-and-a-value",
    ],
)
def test_the_sql_check_catches_built_sql(body: str) -> None:
    source = f'_SQL = "SELECT 1 "\n\nasync def f(conn, name, tables):\n    {body}\n'
    assert len(sql_problems(source, "example.py")) == 1


def test_the_sql_check_allows_constants_and_bound_parameters() -> None:
    source = (
        '_SELECT = "SELECT id FROM t "\n'
        "async def f(conn, name):\n"
        '    sql = _SELECT + "WHERE name = ?"\n'
        "    await conn.execute(sql, (name,))\n"
        '    for clause in ("a = ?", "b = ?"):\n'
        '        await conn.execute(_SELECT + "WHERE " + clause, (name,))\n'
        '    await conn.executemany("INSERT INTO t VALUES (?)", [(name,)])\n'
        '    sql = _SELECT.format(",".join("?" * len(name)))  # placeholders only: the values are bound\n'
        "    await conn.execute(sql, (*name,))\n"
    )
    assert sql_problems(source, "example.py") == []


def test_the_identifier_builders_refuse_tables_outside_the_map_and_quote_every_name() -> None:
    from bot.storage import tables

    for build in (tables.count_sql, tables.delete_sql, tables.any_row_sql):
        with pytest.raises(ValueError, match="not a table quizbot copies"):
            build("players; DROP TABLE answers")
    with pytest.raises(ValueError):
        tables.select_sql("sqlite_master", ["sql"])
    assert tables.select_sql("rounds", ["window", 'x"y']) == 'SELECT "window", "x""y" FROM "rounds"'
    assert set(IDENTIFIER_SQL) <= set(dir(tables))  # the checker trusts these names: they must be these
