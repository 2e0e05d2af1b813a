//! Statements in one round trip. The driver's plain `query` prepares a
//! statement (one round trip), runs it (another) and closes it (a third);
//! its `*_typed` calls send parse, bind and execute together, which needs
//! the type of every parameter up front. [`Param`] says it for each Rust
//! type the store binds, and [`Typed`] is the transaction with the plain
//! calls' names and the typed calls' cost: a `new` on PostgreSQL was 39
//! round trips, now 15.

use postgres::types::{ToSql, Type};
use postgres::{Row, RowIter, Transaction};

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
param!(i32, Type::INT4);
param!(bool, Type::BOOL);
param!(Vec<String>, Type::TEXT_ARRAY);
param!(Vec<&str>, Type::TEXT_ARRAY);

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

/// A transaction whose statements each take one round trip.
pub(super) struct Typed<'a, 'b>(pub &'a mut Transaction<'b>);

impl Typed<'_, '_> {
    pub(super) fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64> {
        Ok(self.0.execute_typed(sql, &typed(params))?)
    }

    pub(super) fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        Ok(self.0.query_typed(sql, &typed(params))?)
    }

    pub(super) fn query_one(&mut self, sql: &str, params: Params<'_>) -> Result<Row> {
        Ok(self.0.query_typed_one(sql, &typed(params))?)
    }

    pub(super) fn query_opt(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
        Ok(self.0.query_typed_opt(sql, &typed(params))?)
    }

    /// The rows of `sql`, streamed.
    pub(super) fn query_raw(&mut self, sql: &str, params: Params<'_>) -> Result<RowIter<'_>> {
        Ok(self.0.query_typed_raw(sql, typed(params))?)
    }
}
