"""SQLite persistence for the sandbox: users, API keys, characters and form responses.

Why this shape: the benchmark lists 10,000 characters in one GET, so each character row keeps
its finished GET representation as JSON text (``out``) next to what was stored (``body``);
listing is then one indexed query and a string join. Writes are serialised by one lock per
process plus ``BEGIN IMMEDIATE`` (so two processes on one file wait instead of failing), every
write commits, and connections come from a small pool so any thread can serve a request.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    is_staff INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_preview TEXT NOT NULL,
    is_active INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE TABLE IF NOT EXISTS characters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    slug TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    out TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS characters_owner_slug ON characters (owner_id, slug);
CREATE TABLE IF NOT EXISTS form_responses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    character_id INTEGER NOT NULL REFERENCES characters(id) ON DELETE CASCADE,
    form_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    "values" TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS form_responses_character ON form_responses (character_id);
"""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    password_hash: str
    is_staff: bool


@dataclass(frozen=True)
class ApiKey:
    id: int
    user_id: int
    name: str
    key_preview: str
    is_active: bool
    created_at: str
    last_used_at: str | None


@dataclass(frozen=True)
class CharacterRow:
    id: int
    owner_id: int
    slug: str
    body: dict[str, Any]
    out: str
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class FormResponse:
    id: int
    form_id: str
    session_id: str
    values: Any
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "form_id": self.form_id,
            "session_id": self.session_id,
            "values": self.values,
            "created_at": self.created_at,
        }


_CHARACTER_SELECT = (
    "SELECT id, owner_id, slug, body, out, created_at, updated_at FROM characters WHERE slug = ?"
)


def _character(row: tuple[Any, ...] | None) -> CharacterRow | None:
    if row is None:
        return None
    return CharacterRow(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6])


class Store:
    """Thread-safe access to one sandbox database file (created with its parent directories)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._write_lock = threading.Lock()
        with self._write_lock, self._read() as db:
            db.executescript(SCHEMA)

    # -- connections -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=30000")
        with self._all_lock:
            self._all.append(db)
        return db

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        try:
            db = self._pool.get_nowait()
        except queue.Empty:
            db = self._connect()
        try:
            yield db
        finally:
            self._pool.put(db)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; rolled back if the block raises."""
        with self._write_lock, self._read() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        with self._all_lock:
            for db in self._all:
                db.close()
            self._all.clear()

    # -- meta --------------------------------------------------------------------------------

    def meta_value(self, key: str, make: Callable[[], str]) -> str:
        """Return the stored value for ``key``, storing ``make()`` first if there is none."""
        with self._write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row:
                return str(row[0])
            value = make()
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
            return value

    # -- users -------------------------------------------------------------------------------

    def create_user(self, email: str, password_hash: str, *, replace: bool = False) -> User | None:
        """Insert a user; with ``replace`` an existing user gets the new password. ``None`` when
        the email is taken and ``replace`` is false."""
        with self._write() as db:
            row = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
            if row and not replace:
                return None
            if row:
                db.execute(
                    "UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, row[0])
                )
            else:
                db.execute(
                    "INSERT INTO users (email, password_hash) VALUES (?, ?)", (email, password_hash)
                )
        return self.user_by_email(email)

    def user_by_email(self, email: str) -> User | None:
        return self._user("email = ?", email)

    def user_by_id(self, user_id: int) -> User | None:
        return self._user("id = ?", user_id)

    def _user(self, where: str, arg: object) -> User | None:
        with self._read() as db:
            row = db.execute(
                f"SELECT id, email, password_hash, is_staff FROM users WHERE {where}",  # noqa: S608
                (arg,),
            ).fetchone()
        return User(row[0], row[1], row[2], bool(row[3])) if row else None

    # -- API keys ----------------------------------------------------------------------------

    _KEY_COLUMNS = "id, user_id, name, key_preview, is_active, created_at, last_used_at"

    @staticmethod
    def _key(row: tuple[Any, ...]) -> ApiKey:
        return ApiKey(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6])

    def create_api_key(
        self, user_id: int, name: str, key_hash: str, preview: str, active: bool, now: str
    ) -> ApiKey:
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO api_keys (user_id, name, key_hash, key_preview, is_active, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, name, key_hash, preview, int(active), now),
            )
            key_id = cur.lastrowid
        return ApiKey(int(key_id or 0), user_id, name, preview, active, now, None)

    def list_api_keys(self, user_id: int) -> list[ApiKey]:
        with self._read() as db:
            rows = db.execute(
                f"SELECT {self._KEY_COLUMNS} FROM api_keys WHERE user_id = ? ORDER BY id",  # noqa: S608
                (user_id,),
            ).fetchall()
        return [self._key(r) for r in rows]

    def use_api_key(self, key_hash: str, now: str) -> ApiKey | None:
        """Find an active key by hash and record its use (``last_used_at``)."""
        with self._read() as db:
            row = db.execute(
                f"SELECT {self._KEY_COLUMNS} FROM api_keys WHERE key_hash = ?",  # noqa: S608
                (key_hash,),
            ).fetchone()
        if not row or not row[4]:
            return None
        with self._write() as db:
            db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (now, row[0]))
        return self._key(row)

    # -- characters --------------------------------------------------------------------------

    def list_characters(
        self, owner_id: int, offset: int = 0, limit: int | None = None
    ) -> tuple[int, list[str]]:
        """Return (total count, GET JSON texts of the page), sorted by slug."""
        with self._read() as db:
            rows = db.execute(
                "SELECT out FROM characters WHERE owner_id = ? ORDER BY slug LIMIT ? OFFSET ?",
                (owner_id, -1 if limit is None else limit, offset),
            ).fetchall()
            if limit is None and offset == 0:
                return len(rows), [r[0] for r in rows]
            (count,) = db.execute(
                "SELECT COUNT(*) FROM characters WHERE owner_id = ?", (owner_id,)
            ).fetchone()
        return int(count), [r[0] for r in rows]

    def get_character(self, slug: str) -> CharacterRow | None:
        with self._read() as db:
            return _character(db.execute(_CHARACTER_SELECT, (slug,)).fetchone())

    def insert_character(
        self, owner_id: int, slug: str, body: str, now: str, render: Callable[[int], str]
    ) -> str | None:
        """Insert and return the GET JSON (``render(id)``), or ``None`` if the slug is taken."""
        with self._write() as db:
            try:
                cur = db.execute(
                    "INSERT INTO characters (owner_id, slug, body, out, created_at, updated_at)"
                    " VALUES (?, ?, ?, '', ?, ?)",
                    (owner_id, slug, body, now, now),
                )
            except sqlite3.IntegrityError:
                return None
            out = render(int(cur.lastrowid or 0))
            db.execute("UPDATE characters SET out = ? WHERE id = ?", (out, cur.lastrowid))
        return out

    def update_character(
        self, slug: str, build: Callable[[CharacterRow | None], tuple[str, str, str]]
    ) -> str:
        """Read-modify-write one character atomically: ``build(row)`` returns (body, out,
        updated_at) or raises (e.g. not found, invalid); returns ``out``. Holding the write
        lock across the read means two concurrent PATCHes of one slug never lose an update."""
        with self._write() as db:
            current = _character(db.execute(_CHARACTER_SELECT, (slug,)).fetchone())
            body, out, now = build(current)
            db.execute(
                "UPDATE characters SET body = ?, out = ?, updated_at = ? WHERE slug = ?",
                (body, out, now, slug),
            )
        return out

    def delete_character(self, char_id: int) -> bool:
        with self._write() as db:
            return db.execute("DELETE FROM characters WHERE id = ?", (char_id,)).rowcount > 0

    # -- form responses ----------------------------------------------------------------------

    def add_form_response(
        self, character_id: int, form_id: str, session_id: str, values: Any, now: str
    ) -> FormResponse:
        with self._write() as db:
            cur = db.execute(
                'INSERT INTO form_responses (character_id, form_id, session_id, "values",'
                " created_at) VALUES (?, ?, ?, ?, ?)",
                (character_id, form_id, session_id, json.dumps(values, ensure_ascii=False), now),
            )
        return FormResponse(int(cur.lastrowid or 0), form_id, session_id, values, now)

    def list_form_responses(
        self, character_id: int, session_id: str | None, form_id: str | None
    ) -> list[FormResponse]:
        sql = (
            'SELECT id, form_id, session_id, "values", created_at FROM form_responses'
            " WHERE character_id = ?"
        )
        args: list[object] = [character_id]
        if session_id is not None:
            sql += " AND session_id = ?"
            args.append(session_id)
        if form_id is not None:
            sql += " AND form_id = ?"
            args.append(form_id)
        with self._read() as db:
            rows = db.execute(sql + " ORDER BY id", args).fetchall()
        return [FormResponse(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]
