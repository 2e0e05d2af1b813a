//! Retired secrets in PostgreSQL (spec section 15).

use super::cells::{time, token_from_row};
use super::db::Pg;
use crate::error::Result;
use crate::store::rows::{TOKEN_COLUMNS, TOKEN_FROM, TOKEN_WIDTH};
use crate::store::{Credential, Retiring, remembered_since};

impl Retiring for Pg<'_, '_> {
    fn retire_current(&mut self, id: i64, successor: &str, by_self: bool, at: &str) -> Result<()> {
        self.session.execute(
            "INSERT INTO retired_secrets
                 (prefix, hash, token_id, retired_at, by_self, successor, successor_used)
             SELECT prefix, hash, id, $2, $3, $4, FALSE FROM tokens WHERE id = $1
             ON CONFLICT (prefix) DO UPDATE SET hash = excluded.hash,
                 token_id = excluded.token_id, retired_at = excluded.retired_at,
                 by_self = excluded.by_self, successor = excluded.successor,
                 successor_used = FALSE",
            &[&id, &at, &by_self, &successor],
        )?;
        Ok(())
    }

    fn successor_used(&mut self, successor: &str) -> Result<()> {
        self.session.execute(
            "UPDATE retired_secrets SET successor_used = TRUE
             WHERE successor = $1 AND NOT successor_used",
            &[&successor],
        )?;
        Ok(())
    }

    fn successor_replaced(&mut self, from: &str, to: &str) -> Result<()> {
        self.session.execute(
            "UPDATE retired_secrets SET successor = $2 WHERE successor = $1",
            &[&from, &to],
        )?;
        Ok(())
    }

    fn retired(&mut self, prefix: &str) -> Result<Option<Credential>> {
        let Some(r) = self.session.query_opt(
            &format!(
                "SELECT {TOKEN_COLUMNS}, r.hash, r.retired_at, r.by_self, r.successor_used
                 FROM {TOKEN_FROM} JOIN retired_secrets r ON r.token_id = t.id
                 WHERE r.prefix = $1 AND r.retired_at >= $2"
            ),
            &[&prefix, &remembered_since(chrono::Utc::now())],
        )?
        else {
            return Ok(None);
        };
        let Some(retired_at) = time(&r, TOKEN_WIDTH + 1)? else {
            return Ok(None);
        };
        Ok(Some(Credential::Retired {
            token: token_from_row(&r)?,
            hash: r.try_get(TOKEN_WIDTH)?,
            retired_at,
            by_self: r.try_get(TOKEN_WIDTH + 2)?,
            successor_used: r.try_get(TOKEN_WIDTH + 3)?,
        }))
    }

    fn purge_retired(&mut self, before: &str) -> Result<usize> {
        let n = self.session.execute(
            "DELETE FROM retired_secrets WHERE retired_at < $1",
            &[&before],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }
}
