//! Queries written once for both backends. A [`Query`] holds SQL with `?` placeholders and
//! its bound values; on PostgreSQL the placeholders are rewritten to `$1, $2, ...` (outside
//! string literals, quoted identifiers and comments) and it runs on whichever backend its
//! executor belongs to. Rows come back as [`DbRow`], read with `try_get` like sqlx rows.
//!
//! Only SQL that means the same on both dialects goes through here; a statement that differs
//! is written twice, matched on the backend, where it is used.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{ColumnIndex, Decode, PgPool, Postgres, Row, Sqlite, SqlitePool, Transaction, Type};

use crate::audit::Cell;
use crate::error::StoreError;

/// A pool of either backend (for SQLite: the readers or the writer).
#[derive(Clone, Copy)]
pub(crate) enum Db<'a> {
    Sqlite(&'a SqlitePool),
    Postgres(&'a PgPool),
}

/// The write transaction of a [`crate::audit::Change`].
pub(crate) enum WriteTx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            WriteTx::Sqlite(tx) => tx.commit().await?,
            WriteTx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// Where a query runs.
pub(crate) enum Exec<'a> {
    Pool(Db<'a>),
    Tx(&'a mut WriteTx),
    SqliteConnection(&'a mut sqlx::SqliteConnection),
}

impl Exec<'_> {
    /// The same executor for one more query, so a helper can run several.
    pub(crate) fn reborrow(&mut self) -> Exec<'_> {
        match self {
            Exec::Pool(db) => Exec::Pool(*db),
            Exec::Tx(tx) => Exec::Tx(&mut **tx),
            Exec::SqliteConnection(connection) => Exec::SqliteConnection(&mut **connection),
        }
    }
}

impl<'a> From<&'a mut sqlx::SqliteConnection> for Exec<'a> {
    fn from(connection: &'a mut sqlx::SqliteConnection) -> Exec<'a> {
        Exec::SqliteConnection(connection)
    }
}

impl<'a> From<Db<'a>> for Exec<'a> {
    fn from(db: Db<'a>) -> Exec<'a> {
        Exec::Pool(db)
    }
}

impl<'a> From<&'a mut WriteTx> for Exec<'a> {
    fn from(tx: &'a mut WriteTx) -> Exec<'a> {
        Exec::Tx(tx)
    }
}

/// Reading a column, for row mapping shared by both backends' rows (and SQLite code not yet
/// ported, which still holds `SqliteRow`s).
pub(crate) trait ReadRow {
    fn try_get<'r, T, I>(&'r self, index: I) -> Result<T, sqlx::Error>
    where
        T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>,
        I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow>;
}

impl ReadRow for SqliteRow {
    fn try_get<'r, T, I>(&'r self, index: I) -> Result<T, sqlx::Error>
    where
        T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>,
        I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow>,
    {
        Row::try_get(self, index)
    }
}

impl ReadRow for DbRow {
    fn try_get<'r, T, I>(&'r self, index: I) -> Result<T, sqlx::Error>
    where
        T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>,
        I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow>,
    {
        DbRow::try_get(self, index)
    }
}

/// A row of either backend.
pub(crate) enum DbRow {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl DbRow {
    /// Reads a column by name or position, as `sqlx::Row::try_get` does.
    pub(crate) fn try_get<'r, T, I>(&'r self, index: I) -> Result<T, sqlx::Error>
    where
        T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>,
        I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow>,
    {
        match self {
            DbRow::Sqlite(row) => Row::try_get(row, index),
            DbRow::Postgres(row) => Row::try_get(row, index),
        }
    }
}

/// What `execute` reports.
pub(crate) struct Done {
    rows_affected: u64,
}

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// SQL with `?` placeholders and its values. `sql` is a constant of this crate or assembled
/// from constant fragments; values are always bound, never spliced.
pub(crate) struct Query {
    sql: String,
    params: Vec<Cell>,
}

/// A query to run on either backend.
pub(crate) fn query(sql: impl Into<String>) -> Query {
    Query {
        sql: sql.into(),
        params: Vec::new(),
    }
}

impl Query {
    pub(crate) fn bind(mut self, value: impl Into<Cell>) -> Query {
        self.params.push(value.into());
        self
    }

    pub(crate) async fn fetch_all<'a>(
        self,
        exec: impl Into<Exec<'a>>,
    ) -> Result<Vec<DbRow>, sqlx::Error> {
        match exec.into() {
            Exec::Pool(Db::Sqlite(pool)) => Ok(self
                .sqlite()
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(DbRow::Sqlite)
                .collect()),
            Exec::Pool(Db::Postgres(pool)) => Ok(self
                .postgres()
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(DbRow::Postgres)
                .collect()),
            Exec::Tx(WriteTx::Sqlite(tx)) => Ok(self
                .sqlite()
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(DbRow::Sqlite)
                .collect()),
            Exec::Tx(WriteTx::Postgres(tx)) => Ok(self
                .postgres()
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(DbRow::Postgres)
                .collect()),
            Exec::SqliteConnection(connection) => Ok(self
                .sqlite()
                .fetch_all(connection)
                .await?
                .into_iter()
                .map(DbRow::Sqlite)
                .collect()),
        }
    }

    pub(crate) async fn fetch_optional<'a>(
        self,
        exec: impl Into<Exec<'a>>,
    ) -> Result<Option<DbRow>, sqlx::Error> {
        match exec.into() {
            Exec::Pool(Db::Sqlite(pool)) => {
                Ok(self.sqlite().fetch_optional(pool).await?.map(DbRow::Sqlite))
            }
            Exec::Pool(Db::Postgres(pool)) => Ok(self
                .postgres()
                .fetch_optional(pool)
                .await?
                .map(DbRow::Postgres)),
            Exec::Tx(WriteTx::Sqlite(tx)) => Ok(self
                .sqlite()
                .fetch_optional(&mut **tx)
                .await?
                .map(DbRow::Sqlite)),
            Exec::Tx(WriteTx::Postgres(tx)) => Ok(self
                .postgres()
                .fetch_optional(&mut **tx)
                .await?
                .map(DbRow::Postgres)),
            Exec::SqliteConnection(connection) => Ok(self
                .sqlite()
                .fetch_optional(connection)
                .await?
                .map(DbRow::Sqlite)),
        }
    }

    pub(crate) async fn fetch_one<'a>(
        self,
        exec: impl Into<Exec<'a>>,
    ) -> Result<DbRow, sqlx::Error> {
        self.fetch_optional(exec)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }

    pub(crate) async fn execute<'a>(self, exec: impl Into<Exec<'a>>) -> Result<Done, sqlx::Error> {
        let rows_affected = match exec.into() {
            Exec::Pool(Db::Sqlite(pool)) => self.sqlite().execute(pool).await?.rows_affected(),
            Exec::Pool(Db::Postgres(pool)) => self.postgres().execute(pool).await?.rows_affected(),
            Exec::Tx(WriteTx::Sqlite(tx)) => {
                self.sqlite().execute(&mut **tx).await?.rows_affected()
            }
            Exec::Tx(WriteTx::Postgres(tx)) => {
                self.postgres().execute(&mut **tx).await?.rows_affected()
            }
            Exec::SqliteConnection(connection) => {
                self.sqlite().execute(connection).await?.rows_affected()
            }
        };
        Ok(Done { rows_affected })
    }

    fn sqlite(self) -> sqlx::query::Query<'static, Sqlite, sqlx::sqlite::SqliteArguments> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(self.sql));
        for param in self.params {
            query = match param {
                Cell::Int(value) => query.bind(value),
                Cell::Real(value) => query.bind(value),
                Cell::Text(value) => query.bind(value),
            };
        }
        query
    }

    fn postgres(self) -> sqlx::query::Query<'static, Postgres, sqlx::postgres::PgArguments> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(numbered_placeholders(&self.sql)));
        for param in self.params {
            query = match param {
                Cell::Int(value) => query.bind(value),
                Cell::Real(value) => query.bind(value),
                Cell::Text(value) => query.bind(value),
            };
        }
        query
    }
}

/// Rewrites `?` placeholders to PostgreSQL's `$1, $2, ...` (and `?NNN` to `$NNN`), leaving alone a `?` inside a
/// string literal (`'...'`, with `''` as an escaped quote), a quoted identifier (`"..."`) or
/// a comment (`-- ...` to the end of the line, `/* ... */`).
pub(crate) fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut n = 0;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                // A doubled quote inside is an escaped quote: leaving and re-entering the
                // literal at once gives the same result.
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                out.push(c);
                out.push(chars.next().unwrap_or('*'));
                let mut previous = ' ';
                for inner in chars.by_ref() {
                    out.push(inner);
                    if previous == '*' && inner == '/' {
                        break;
                    }
                    previous = inner;
                }
            }
            '?' => {
                out.push('$');
                // `?NNN` names its parameter, as `$NNN` does; a bare `?` takes the next one.
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(digit) = chars.next_if(char::is_ascii_digit) {
                        out.push(digit);
                    }
                } else {
                    n += 1;
                    out.push_str(&n.to_string());
                }
            }
            _ => out.push(c),
        }
    }
    out
}

impl<'a> From<&'a mut sqlx::pool::PoolConnection<Sqlite>> for Exec<'a> {
    fn from(connection: &'a mut sqlx::pool::PoolConnection<Sqlite>) -> Exec<'a> {
        Exec::SqliteConnection(&mut **connection)
    }
}

impl From<i32> for Cell {
    fn from(value: i32) -> Cell {
        Cell::Int(Some(i64::from(value)))
    }
}

impl From<Option<i32>> for Cell {
    fn from(value: Option<i32>) -> Cell {
        Cell::Int(value.map(i64::from))
    }
}

impl From<&Option<String>> for Cell {
    fn from(value: &Option<String>) -> Cell {
        Cell::Text(value.clone())
    }
}

impl From<&Option<i64>> for Cell {
    fn from(value: &Option<i64>) -> Cell {
        Cell::Int(*value)
    }
}

impl From<i64> for Cell {
    fn from(value: i64) -> Cell {
        Cell::Int(Some(value))
    }
}

impl From<&i64> for Cell {
    fn from(value: &i64) -> Cell {
        Cell::Int(Some(*value))
    }
}

impl From<Option<i64>> for Cell {
    fn from(value: Option<i64>) -> Cell {
        Cell::Int(value)
    }
}

impl From<f64> for Cell {
    fn from(value: f64) -> Cell {
        Cell::Real(Some(value))
    }
}

impl From<Option<f64>> for Cell {
    fn from(value: Option<f64>) -> Cell {
        Cell::Real(value)
    }
}

impl From<&str> for Cell {
    fn from(value: &str) -> Cell {
        Cell::Text(Some(value.to_owned()))
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Cell {
        Cell::Text(Some(value))
    }
}

impl From<&String> for Cell {
    fn from(value: &String) -> Cell {
        Cell::Text(Some(value.clone()))
    }
}

impl From<Option<String>> for Cell {
    fn from(value: Option<String>) -> Cell {
        Cell::Text(value)
    }
}

impl From<Option<&str>> for Cell {
    fn from(value: Option<&str>) -> Cell {
        Cell::Text(value.map(str::to_owned))
    }
}

#[cfg(test)]
mod tests {
    use super::numbered_placeholders;

    fn check(sql: &str, expected: &str) {
        assert_eq!(numbered_placeholders(sql), expected, "{sql}");
    }

    #[test]
    fn placeholders_are_numbered_outside_literals_identifiers_and_comments() {
        check("SELECT 1", "SELECT 1");
        check("a = ? AND b = ?", "a = $1 AND b = $2");
        check("x = '?' AND y = ?", "x = '?' AND y = $1");
        check("x = 'it''s ?' AND y = ?", "x = 'it''s ?' AND y = $1");
        check("\"odd?name\" = ?", "\"odd?name\" = $1");
        check("a = ? -- why?\n AND b = ?", "a = $1 -- why?\n AND b = $2");
        check("a = ? /* ? */ AND b = ?", "a = $1 /* ? */ AND b = $2");
        check("a - ? - ?", "a - $1 - $2");
        check(
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        );
        check("'unterminated ?", "'unterminated ?");
        check("a = ?1 OR b = ?1", "a = $1 OR b = $1");
        check("a = ?2 AND b = ?12", "a = $2 AND b = $12");
    }
}
