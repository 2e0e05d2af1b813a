//! Retired secrets in SQLite (spec section 15).

use rusqlite::{Connection, params};

use super::db::{row, time, token_from_row};
use super::{optional, sql_error};
use crate::error::Result;
use crate::store::rows::{TOKEN_COLUMNS, TOKEN_FROM, TOKEN_WIDTH};
use crate::store::{Credential, Retiring, remembered_since};

impl Retiring for &Connection {
    fn retire_current(&mut self, id: i64, successor: &str, by_self: bool, at: &str) -> Result<()> {
        self.prepare_cached(
            "INSERT OR REPLACE INTO retired_secrets
                 (prefix, hash, token_id, retired_at, by_self, successor, successor_used)
             SELECT prefix, hash, id, ?2, ?3, ?4, 0 FROM tokens WHERE id = ?1",
        )
        .and_then(|mut s| s.execute(params![id, at, by_self, successor]))
        .map_err(sql_error)?;
        Ok(())
    }

    fn successor_used(&mut self, successor: &str) -> Result<()> {
        self.prepare_cached(
            "UPDATE retired_secrets SET successor_used = 1
             WHERE successor = ?1 AND successor_used = 0",
        )
        .and_then(|mut s| s.execute([successor]))
        .map_err(sql_error)?;
        Ok(())
    }

    fn successor_replaced(&mut self, from: &str, to: &str) -> Result<()> {
        self.prepare_cached("UPDATE retired_secrets SET successor = ?2 WHERE successor = ?1")
            .and_then(|mut s| s.execute([from, to]))
            .map_err(sql_error)?;
        Ok(())
    }

    fn retired(&mut self, prefix: &str) -> Result<Option<Credential>> {
        let found = optional(row(
            self,
            &format!(
                "SELECT {TOKEN_COLUMNS}, r.hash, r.retired_at, r.by_self, r.successor_used
                 FROM {TOKEN_FROM} JOIN retired_secrets r ON r.token_id = t.id
                 WHERE r.prefix = ?1 AND r.retired_at >= ?2"
            ),
            [prefix, &remembered_since(chrono::Utc::now())],
            |r| {
                Ok((
                    token_from_row(r)?,
                    r.get::<_, String>(TOKEN_WIDTH)?,
                    time(r, TOKEN_WIDTH + 1)?,
                    r.get::<_, bool>(TOKEN_WIDTH + 2)?,
                    r.get::<_, bool>(TOKEN_WIDTH + 3)?,
                ))
            },
        ))?;
        let Some((token, hash, Some(retired_at), by_self, successor_used)) = found else {
            return Ok(None);
        };
        Ok(Some(Credential::Retired {
            token: token?,
            hash,
            retired_at,
            by_self,
            successor_used,
        }))
    }

    fn purge_retired(&mut self, before: &str) -> Result<usize> {
        self.prepare_cached("DELETE FROM retired_secrets WHERE retired_at < ?1")
            .and_then(|mut s| s.execute([before]))
            .map_err(sql_error)
    }
}
