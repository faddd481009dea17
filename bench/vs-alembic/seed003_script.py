"""Seed 003's own migration script (PART 3 of the document): shutil.copy backup, one sqlite3
connection, the statements, one commit; with synchronous=FULL like botledger, and the same SQL
(the `up` section of the SQL file given as the second argument).

usage: python3 seed003_script.py DB_PATH SQL_FILE BACKUP_DIR
"""
import os
import shutil
import sqlite3
import sys
from datetime import datetime

from sql_sections import up_statements

DB_PATH, SQL_FILE, BACKUP_DIR = sys.argv[1:4]


def backup_database():
    os.makedirs(BACKUP_DIR, exist_ok=True)
    path = os.path.join(BACKUP_DIR, f'trading_bot_{datetime.now().strftime("%Y%m%d_%H%M%S_%f")}.db')
    shutil.copy(DB_PATH, path)
    return path


def run_migration():
    backup = backup_database()
    conn = sqlite3.connect(DB_PATH)
    conn.execute("PRAGMA synchronous=FULL")
    cursor = conn.cursor()
    try:
        for statement in up_statements(SQL_FILE):
            cursor.execute(statement)
        conn.commit()
    except Exception:
        conn.rollback()
        print(f"MIGRATION FAILED; restore from backup: {backup}", file=sys.stderr)
        raise
    finally:
        conn.close()


run_migration()
