//! SQL text and its parameters built together, for statements whose shape depends on the
//! request (optional filters, lists of values, multi-row inserts).
//!
//! sqlx's `QueryBuilder` cannot be used over a generic engine: its `build` borrows the builder
//! for the arguments' own lifetime, which a generic `E::Arguments<'q>` cannot shorten, so the
//! borrow checker refuses every use. [`Sql`] keeps its parameters as owned [`Value`]s instead
//! and binds them when it runs, so the same code serves both engines. Placeholders are `$1`,
//! `$2`, … on PostgreSQL and `?` on SQLite (see [`Engine::NUMBERED_PLACEHOLDERS`]); a built
//! statement is never mixed with fixed SQL that numbers its own.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use std::fmt::Write as _;
use uuid::Uuid;

use super::engine::Engine;
use super::StoreResult;

/// A parameter's value (every type the store binds; `None` is SQL `NULL`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Uuid(Option<Uuid>),
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Time(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
}

macro_rules! value_from {
    ($variant:ident, $t:ty) => {
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::$variant(Some(v.into()))
            }
        }
        impl From<Option<$t>> for Value {
            fn from(v: Option<$t>) -> Value {
                Value::$variant(v.map(Into::into))
            }
        }
    };
}

value_from!(Uuid, Uuid);
value_from!(Text, String);
value_from!(Text, &str);
value_from!(Text, &String);
value_from!(Int, i64);
value_from!(Int, i32);
value_from!(Float, f64);
value_from!(Bool, bool);
value_from!(Time, DateTime<Utc>);
value_from!(Date, NaiveDate);

/// Binds `values` in order to a sqlx query or typed query.
macro_rules! bind_all {
    ($query:expr, $values:expr) => {{
        let mut q = $query;
        for v in $values {
            q = match v.clone() {
                Value::Uuid(x) => q.bind(x),
                Value::Text(x) => q.bind(x),
                Value::Int(x) => q.bind(x),
                Value::Float(x) => q.bind(x),
                Value::Bool(x) => q.bind(x),
                Value::Time(x) => q.bind(x),
                Value::Date(x) => q.bind(x),
            };
        }
        q
    }};
}

/// A statement being written: text with `$n` placeholders and the values they stand for.
#[derive(Debug, Clone)]
pub struct Sql<E> {
    text: String,
    values: Vec<Value>,
    engine: std::marker::PhantomData<fn() -> E>,
}

impl<E: Engine> Sql<E> {
    pub fn new(text: impl Into<String>) -> Self {
        Sql {
            text: text.into(),
            values: Vec::new(),
            engine: std::marker::PhantomData,
        }
    }

    /// Appends text as it is (never a value typed by a user: those go through [`Self::push_bind`]).
    pub fn push(&mut self, text: impl AsRef<str>) -> &mut Self {
        self.text.push_str(text.as_ref());
        self
    }

    /// Appends a placeholder for `value`.
    pub fn push_bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        if E::NUMBERED_PLACEHOLDERS {
            let _ = write!(self.text, "${}", self.values.len());
        } else {
            self.text.push('?');
        }
        self
    }

    /// Appends `items` one after the other, `separator` between them.
    pub fn push_list<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        separator: &str,
        mut each: impl FnMut(&mut Self, T),
    ) -> &mut Self {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(separator);
            }
            each(self, item);
        }
        self
    }

    /// `VALUES (…), (…)`: one parenthesised row per item, its values written by `row`.
    pub fn push_values<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut row: impl FnMut(&mut Row<'_, E>, T),
    ) -> &mut Self {
        self.text.push_str("VALUES ");
        self.push_list(items, ", ", |sql, item| {
            sql.text.push('(');
            row(&mut Row { sql, first: true }, item);
            sql.text.push(')');
        })
    }

    /// The text as it stands.
    #[cfg(test)]
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Running the statement: the engine must encode every kind of [`Value`] (both do).
impl<E> Sql<E>
where
    E: Engine,
    for<'q> <E as Database>::Arguments<'q>: IntoArguments<'q, E>,
    Uuid: for<'q> Encode<'q, E> + Type<E>,
    String: for<'q> Encode<'q, E> + Type<E>,
    i64: for<'q> Encode<'q, E> + Type<E>,
    f64: for<'q> Encode<'q, E> + Type<E>,
    bool: for<'q> Encode<'q, E> + Type<E>,
    DateTime<Utc>: for<'q> Encode<'q, E> + Type<E>,
    NaiveDate: for<'q> Encode<'q, E> + Type<E>,
    Option<Uuid>: for<'q> Encode<'q, E>,
    Option<String>: for<'q> Encode<'q, E>,
    Option<i64>: for<'q> Encode<'q, E>,
    Option<f64>: for<'q> Encode<'q, E>,
    Option<bool>: for<'q> Encode<'q, E>,
    Option<DateTime<Utc>>: for<'q> Encode<'q, E>,
    Option<NaiveDate>: for<'q> Encode<'q, E>,
{
    pub async fn execute<'c, X>(&self, executor: X) -> StoreResult<u64>
    where
        X: Executor<'c, Database = E>,
    {
        let query = bind_all!(sqlx::query::<E>(&self.text), &self.values);
        let done = query.execute(executor).await?;
        Ok(E::rows_affected(&done))
    }

    pub async fn fetch_all<'c, T, X>(&self, executor: X) -> StoreResult<Vec<T>>
    where
        X: Executor<'c, Database = E>,
        T: for<'r> FromRow<'r, E::Row> + Send + Unpin,
    {
        let query = bind_all!(sqlx::query_as::<E, T>(&self.text), &self.values);
        Ok(query.fetch_all(executor).await?)
    }

    pub async fn fetch_optional<'c, T, X>(&self, executor: X) -> StoreResult<Option<T>>
    where
        X: Executor<'c, Database = E>,
        T: for<'r> FromRow<'r, E::Row> + Send + Unpin,
    {
        let query = bind_all!(sqlx::query_as::<E, T>(&self.text), &self.values);
        Ok(query.fetch_optional(executor).await?)
    }
}

/// One row of [`Sql::push_values`].
pub struct Row<'s, E> {
    sql: &'s mut Sql<E>,
    first: bool,
}

impl<E: Engine> Row<'_, E> {
    pub fn push_bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.separate();
        self.sql.push_bind(value);
        self
    }

    /// A literal in the row (`NULL`, a constant).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.separate();
        self.sql.push(text);
        self
    }

    fn separate(&mut self) {
        if !self.first {
            self.sql.text.push_str(", ");
        }
        self.first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::<sqlx::Sqlite>::new("SELECT 1 FROM t WHERE a = ");
        sql.push_bind(1i64).push(" AND b IN (");
        sql.push_list(["x", "y"], ", ", |s, v| {
            s.push_bind(v);
        });
        sql.push(")");
        assert_eq!(sql.text(), "SELECT 1 FROM t WHERE a = ? AND b IN (?, ?)");
        let mut insert = Sql::<sqlx::Postgres>::new("INSERT INTO t (a, b, c) ");
        insert.push_values([(1i64, "p"), (2, "q")], |row, (a, b)| {
            row.push_bind(a).push("NULL").push_bind(b);
        });
        assert_eq!(
            insert.text(),
            "INSERT INTO t (a, b, c) VALUES ($1, NULL, $2), ($3, NULL, $4)"
        );
    }
}
