//! Statements in one round trip. The driver's plain `query` prepares a
//! statement (one round trip), runs it (another) and closes it (a third);
//! its `*_typed` calls send parse, bind and execute together, which needs
//! the type of every parameter up front. [`Param`] says it for each Rust
//! type the store binds, and [`Typed`] is the transaction with the plain
//! calls' names and the typed calls' cost (a `new` on PostgreSQL waited
//! 44 times after logging in; with the other changes of that round, 10).

use postgres::types::{ToSql, Type};
use std::collections::HashMap;

use postgres::{Client, Row, RowIter, Statement, Transaction};

use crate::error::Result;

/// A value bound to a statement, and the PostgreSQL type it is sent as.
pub(super) trait Param: ToSql + Sync {
    fn pg_type(&self) -> Type;
    /// The type of a `None` of this type.
    fn of_none() -> Type
    where
        Self: Sized;
}

macro_rules! param {
    ($ty:ty, $pg:expr) => {
        impl Param for $ty {
            fn pg_type(&self) -> Type {
                $pg
            }
            fn of_none() -> Type {
                $pg
            }
        }
    };
}

param!(&str, Type::TEXT);
param!(String, Type::TEXT);
param!(i64, Type::INT8);
param!(bool, Type::BOOL);

impl<T: Param> Param for Option<T> {
    fn pg_type(&self) -> Type {
        T::of_none()
    }
    fn of_none() -> Type {
        T::of_none()
    }
}

/// The parameters of one statement.
pub(super) type Params<'p> = &'p [&'p dyn Param];

fn typed(params: Params<'_>) -> Vec<(&(dyn ToSql + Sync), Type)> {
    params
        .iter()
        .map(|p| (*p as &(dyn ToSql + Sync), p.pg_type()))
        .collect()
}

/// What statements run on: a transaction, or the bare session (a lookup of
/// one row needs no transaction: a statement is one snapshot).
pub(super) trait Session {
    fn execute_typed(&mut self, sql: &str, p: &[(&(dyn ToSql + Sync), Type)]) -> Result<u64>;
    fn query_typed(&mut self, sql: &str, p: &[(&(dyn ToSql + Sync), Type)]) -> Result<Vec<Row>>;
    fn query_typed_raw<'s>(
        &'s mut self,
        sql: &str,
        p: Vec<(&(dyn ToSql + Sync), Type)>,
    ) -> Result<RowIter<'s>>;
}

macro_rules! session {
    ($ty:ty) => {
        impl Session for $ty {
            fn execute_typed(
                &mut self,
                sql: &str,
                p: &[(&(dyn ToSql + Sync), Type)],
            ) -> Result<u64> {
                Ok(<$ty>::execute_typed(self, sql, p)?)
            }
            fn query_typed(
                &mut self,
                sql: &str,
                p: &[(&(dyn ToSql + Sync), Type)],
            ) -> Result<Vec<Row>> {
                Ok(<$ty>::query_typed(self, sql, p)?)
            }
            fn query_typed_raw<'s>(
                &'s mut self,
                sql: &str,
                p: Vec<(&(dyn ToSql + Sync), Type)>,
            ) -> Result<RowIter<'s>> {
                Ok(<$ty>::query_typed_raw(self, sql, p)?)
            }
        }
    };
}

session!(Client);
session!(Transaction<'_>);

/// The statements a long-lived session has run: `None` once, then the
/// statement prepared for it.
#[derive(Default)]
pub(super) struct Statements(HashMap<String, Option<Statement>>);

/// The bare session of a connection that lives on (serve's): a statement
/// run a second time is prepared and kept, so the server neither parses
/// nor plans it again (a check then costs PostgreSQL a fraction of the
/// CPU); a one-off (a command's one lookup) stays one typed round trip.
pub(super) struct Cached<'a> {
    pub client: &'a mut Client,
    pub statements: &'a mut Statements,
}

impl Cached<'_> {
    /// The prepared statement for `sql`, from the second time on.
    fn prepared(
        &mut self,
        sql: &str,
        p: &[(&(dyn ToSql + Sync), Type)],
    ) -> Result<Option<Statement>> {
        match self.statements.0.get(sql) {
            Some(Some(s)) => return Ok(Some(s.clone())),
            Some(None) => {}
            None => {
                self.statements.0.insert(sql.to_owned(), None);
                return Ok(None);
            }
        }
        let types: Vec<Type> = p.iter().map(|(_, t)| t.clone()).collect();
        let s = self.client.prepare_typed(sql, &types)?;
        self.statements.0.insert(sql.to_owned(), Some(s.clone()));
        Ok(Some(s))
    }

    /// `run`'s answer; a statement that failed is prepared afresh next time
    /// (the schema may have moved under it).
    fn forgetting_on_error<T>(&mut self, sql: &str, answer: Result<T>) -> Result<T> {
        if answer.is_err() {
            self.statements.0.insert(sql.to_owned(), None);
        }
        answer
    }
}

fn values<'p>(p: &[(&'p (dyn ToSql + Sync), Type)]) -> Vec<&'p (dyn ToSql + Sync)> {
    p.iter().map(|(v, _)| *v).collect()
}

impl Session for Cached<'_> {
    fn execute_typed(&mut self, sql: &str, p: &[(&(dyn ToSql + Sync), Type)]) -> Result<u64> {
        let answer = match self.prepared(sql, p)? {
            Some(s) => self.client.execute(&s, &values(p)).map_err(Into::into),
            None => Session::execute_typed(self.client, sql, p),
        };
        self.forgetting_on_error(sql, answer)
    }
    fn query_typed(&mut self, sql: &str, p: &[(&(dyn ToSql + Sync), Type)]) -> Result<Vec<Row>> {
        let answer = match self.prepared(sql, p)? {
            Some(s) => self.client.query(&s, &values(p)).map_err(Into::into),
            None => Session::query_typed(self.client, sql, p),
        };
        self.forgetting_on_error(sql, answer)
    }
    fn query_typed_raw<'s>(
        &'s mut self,
        sql: &str,
        p: Vec<(&(dyn ToSql + Sync), Type)>,
    ) -> Result<RowIter<'s>> {
        // Streams are a transaction's (list, log): never cached.
        Session::query_typed_raw(self.client, sql, p)
    }
}

/// Statements that each take one round trip, on a [`Session`].
pub(super) struct Typed<'a, 'b>(pub &'a mut (dyn Session + 'b));

impl Typed<'_, '_> {
    pub(super) fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64> {
        self.0.execute_typed(sql, &typed(params))
    }

    pub(super) fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        self.0.query_typed(sql, &typed(params))
    }

    /// Exactly one row.
    pub(super) fn query_one(&mut self, sql: &str, params: Params<'_>) -> Result<Row> {
        let mut rows = self.query(sql, params)?;
        anyhow::ensure!(rows.len() == 1, "expected one row, got {}", rows.len());
        Ok(rows.remove(0))
    }

    /// At most one row.
    pub(super) fn query_opt(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
        let mut rows = self.query(sql, params)?;
        anyhow::ensure!(
            rows.len() <= 1,
            "expected at most one row, got {}",
            rows.len()
        );
        Ok(rows.pop())
    }

    /// The rows of `sql`, streamed.
    pub(super) fn query_raw(&mut self, sql: &str, params: Params<'_>) -> Result<RowIter<'_>> {
        self.0.query_typed_raw(sql, typed(params))
    }
}
