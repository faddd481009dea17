"""Reads the `-- migrate:up` section of a botledger SQL migration as a list of statements (the
benchmark's SQL files end each statement with `;` at the end of a line)."""


def up_statements(path):
    section = None
    current = []
    statements = []
    with open(path, encoding="utf-8") as sql_file:
        for line in sql_file:
            stripped = line.strip()
            if stripped.startswith("-- migrate:"):
                section = stripped[len("-- migrate:"):].split()[0]
                continue
            if section != "up" or not stripped or stripped.startswith("--"):
                continue
            current.append(line.rstrip("\n"))
            if stripped.endswith(";"):
                statements.append("\n".join(current).rstrip().rstrip(";"))
                current = []
    return statements
