-- TOTP second factor (RFC 6238) and pending logins between the password and the code. The
-- setting `require_admin_totp` = `1` lives in the `settings` table of 0001.
--
-- `totp_secret` is the base32 secret (RFC 4648, no padding), stored in clear: the server
-- must compute codes from it, so hashing is impossible, and it is not encrypted at rest (see
-- docs/security.md). `totp_last_step` is the 30-second step of the last code accepted, so a
-- code cannot be used twice (replay protection).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- A password checked, a code still owed. The token is given to the client once and stored
-- only as a SHA-256 digest; it is not a session and opens nothing but the code form.
CREATE TABLE pending_logins (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    address    TEXT NOT NULL,
    -- Unix seconds.
    created_at BIGINT NOT NULL
);
CREATE INDEX pending_logins_user ON pending_logins(user_id);

