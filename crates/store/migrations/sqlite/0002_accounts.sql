-- Accounts, sessions, login attempts and API tokens. Secrets are never stored in clear:
-- passwords as argon2id PHC strings, session and API tokens as SHA-256 hex digests.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL,
    -- Lowercased username: unique, so that `Admin` and `admin` are one account.
    username_key  TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    -- Unix seconds, so that expiry is plain arithmetic.
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_attempts (
    id           INTEGER PRIMARY KEY,
    username_key TEXT NOT NULL,
    address      TEXT NOT NULL,
    -- Unix seconds.
    at           INTEGER NOT NULL,
    succeeded    INTEGER NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts(username_key, at);
CREATE INDEX login_attempts_address ON login_attempts(address, at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    -- Comma-separated scopes: read, write.
    scopes       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    -- Unix seconds.
    last_used_at INTEGER,
    revoked_at   TEXT
);
