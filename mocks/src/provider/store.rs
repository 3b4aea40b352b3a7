//! The provider's persistent state in one SQLite database: registered clients, authorization codes, tokens,
//! credentials and profiles. Every operation that must be atomic (code redemption, refresh) runs under the single
//! connection lock inside one transaction, which is what makes concurrent redemptions of a code yield one token.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("provider database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("provider data directory: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub secret: String,
    /// The registration response (request metadata plus the issued fields), kept whole for the consent page.
    pub metadata: serde_json::Value,
}

impl Client {
    pub fn redirect_uris(&self) -> Vec<&str> {
        self.metadata["redirect_uris"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default()
    }

    pub fn scopes(&self) -> Vec<&str> {
        self.metadata["scope"]
            .as_str()
            .unwrap_or("")
            .split_whitespace()
            .collect()
    }

    pub fn field(&self, name: &str) -> &str {
        self.metadata[name].as_str().unwrap_or("")
    }
}

#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub code: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub user_id: String,
    pub scope: String,
    pub challenge: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub token: String,
    pub refresh: bool,
    pub client_id: String,
    pub user_id: String,
    pub scope: String,
    /// None for refresh tokens, which live until revoked.
    pub expires_at: Option<i64>,
    pub revoked: bool,
    /// The authorization code the token descends from, so a replayed code can revoke its whole family.
    pub grant: String,
}

/// Why a code or refresh token could not be exchanged; each maps to one OAuth error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantError {
    InvalidGrant,
    VerifierMissing,
    InvalidScope,
}

/// Fresh token strings the caller generated; they are stored inside the redeeming transaction.
pub struct NewTokens {
    pub access: String,
    pub refresh: String,
    pub access_expires_at: i64,
}

/// Policy switches for a redemption (the faults that weaken it).
pub struct Redeem<'a> {
    pub code: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub verifier: Option<&'a str>,
    pub now: i64,
    pub check_pkce: bool,
    pub single_use: bool,
}

pub struct Stored {
    pub json: bool,
    pub body: String,
}

pub struct Store {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS clients (id TEXT PRIMARY KEY, secret TEXT NOT NULL, metadata TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS codes (code TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
  user_id TEXT NOT NULL, scope TEXT NOT NULL, challenge TEXT NOT NULL, expires_at INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, refresh INTEGER NOT NULL, client_id TEXT NOT NULL,
  user_id TEXT NOT NULL, scope TEXT NOT NULL, expires_at INTEGER, revoked INTEGER NOT NULL DEFAULT 0,
  grant_code TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (seq INTEGER PRIMARY KEY AUTOINCREMENT, family TEXT NOT NULL,
  user_id TEXT NOT NULL, issuer_id TEXT NOT NULL, cred_id TEXT NOT NULL, json INTEGER NOT NULL, body TEXT NOT NULL,
  issued_at INTEGER, UNIQUE (family, user_id, issuer_id, cred_id));
CREATE TABLE IF NOT EXISTS profiles (user_id TEXT PRIMARY KEY, body TEXT NOT NULL);
";

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Token> {
    Ok(Token {
        token: r.get(0)?,
        refresh: r.get(1)?,
        client_id: r.get(2)?,
        user_id: r.get(3)?,
        scope: r.get(4)?,
        expires_at: r.get(5)?,
        revoked: r.get(6)?,
        grant: r.get(7)?,
    })
}

const TOKEN_COLS: &str = "token, refresh, client_id, user_id, scope, expires_at, revoked, grant_code";

impl Store {
    /// `None` keeps everything in memory (tests); a directory persists to `provider.sqlite` inside it.
    pub fn open(data_dir: Option<&Path>) -> Result<Store> {
        let conn = match data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                Connection::open(dir.join("provider.sqlite"))?
            }
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (an open transaction rolls back on drop),
        // so the connection stays usable and one failed request must not take the whole provider down.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn insert_client(&self, c: &Client) -> Result<()> {
        self.lock().execute(
            "INSERT INTO clients (id, secret, metadata) VALUES (?1, ?2, ?3)",
            params![c.id, c.secret, c.metadata.to_string()],
        )?;
        Ok(())
    }

    /// Stores a client, first evicting the oldest ones (with their codes and tokens) so that at most `max` remain.
    pub fn insert_client_capped(&self, c: &Client, max: usize) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let count: i64 = tx.query_row("SELECT COUNT(*) FROM clients", [], |r| r.get(0))?;
        // Room for the new one: keep `max - 1`. Counts fit i64 (SQLite's own integer).
        let keep = i64::try_from(max.max(1) - 1).unwrap_or(i64::MAX);
        let excess = count.saturating_sub(keep);
        if excess > 0 {
            // rowid grows with every insert, so the smallest rowids are the oldest registrations.
            let evicted = "SELECT id FROM clients ORDER BY rowid LIMIT ?1";
            tx.execute(&format!("DELETE FROM codes WHERE client_id IN ({evicted})"), [excess])?;
            tx.execute(&format!("DELETE FROM tokens WHERE client_id IN ({evicted})"), [excess])?;
            tx.execute(&format!("DELETE FROM clients WHERE id IN ({evicted})"), [excess])?;
        }
        tx.execute(
            "INSERT INTO clients (id, secret, metadata) VALUES (?1, ?2, ?3)",
            params![c.id, c.secret, c.metadata.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Registered clients.
    pub fn client_count(&self) -> Result<u64> {
        let n: i64 = self
            .lock()
            .query_row("SELECT COUNT(*) FROM clients", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub fn client(&self, id: &str) -> Result<Option<Client>> {
        let row: Option<(String, String, String)> = self
            .lock()
            .query_row("SELECT id, secret, metadata FROM clients WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        Ok(row.map(|(id, secret, metadata)| Client {
            id,
            secret,
            metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        }))
    }

    pub fn insert_code(&self, g: &CodeGrant) -> Result<()> {
        self.lock().execute(
            "INSERT INTO codes (code, client_id, redirect_uri, user_id, scope, challenge, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                g.code,
                g.client_id,
                g.redirect_uri,
                g.user_id,
                g.scope,
                g.challenge,
                g.expires_at
            ],
        )?;
        Ok(())
    }

    /// Exchanges a code for tokens in one transaction. A replayed code is refused and, per RFC 6749 §4.1.2,
    /// every token already issued from it is revoked.
    pub fn redeem(&self, r: &Redeem<'_>, new: &NewTokens) -> Result<std::result::Result<Token, GrantError>> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let found: Option<(CodeGrant, bool)> = tx
            .query_row(
                "SELECT code, client_id, redirect_uri, user_id, scope, challenge, expires_at, used FROM codes
                 WHERE code = ?1",
                [r.code],
                |row| {
                    Ok((
                        CodeGrant {
                            code: row.get(0)?,
                            client_id: row.get(1)?,
                            redirect_uri: row.get(2)?,
                            user_id: row.get(3)?,
                            scope: row.get(4)?,
                            challenge: row.get(5)?,
                            expires_at: row.get(6)?,
                        },
                        row.get(7)?,
                    ))
                },
            )
            .optional()?;
        let Some((grant, used)) = found else {
            return Ok(Err(GrantError::InvalidGrant));
        };
        if used && r.single_use {
            tx.execute("UPDATE tokens SET revoked = 1 WHERE grant_code = ?1", [r.code])?;
            tx.commit()?;
            return Ok(Err(GrantError::InvalidGrant));
        }
        if grant.client_id != r.client_id || grant.redirect_uri != r.redirect_uri || grant.expires_at <= r.now {
            return Ok(Err(GrantError::InvalidGrant));
        }
        if r.check_pkce {
            let Some(verifier) = r.verifier else {
                return Ok(Err(GrantError::VerifierMissing));
            };
            // A malformed verifier (RFC 7636 §4.1) is refused like a wrong one, without consuming the code.
            if !super::valid_verifier(verifier) || super::s256(verifier) != grant.challenge {
                return Ok(Err(GrantError::InvalidGrant));
            }
        }
        tx.execute("UPDATE codes SET used = 1 WHERE code = ?1", [r.code])?;
        let access = Token {
            token: new.access.clone(),
            refresh: false,
            client_id: grant.client_id.clone(),
            user_id: grant.user_id.clone(),
            scope: grant.scope.clone(),
            expires_at: Some(new.access_expires_at),
            revoked: false,
            grant: grant.code.clone(),
        };
        let refresh = Token {
            token: new.refresh.clone(),
            refresh: true,
            expires_at: None,
            ..access.clone()
        };
        insert_token(&tx, &access)?;
        insert_token(&tx, &refresh)?;
        tx.commit()?;
        Ok(Ok(access))
    }

    /// A new access token from a live refresh token; the scope may narrow but never widen. The refresh token stays
    /// valid (see [`Store::refresh_rotating`] for rotation).
    pub fn refresh(
        &self,
        refresh_token: &str,
        client_id: &str,
        scope: Option<&str>,
        new_access: &str,
        expires_at: i64,
    ) -> Result<std::result::Result<Token, GrantError>> {
        self.refresh_inner(refresh_token, client_id, scope, new_access, expires_at, None)
    }

    /// [`Store::refresh`] with rotation: `new.refresh` replaces the refresh token, which is revoked in the same
    /// transaction, so a replayed old one is refused (`invalid_grant`). `new.access_expires_at` is the access
    /// token's expiry.
    pub fn refresh_rotating(
        &self,
        refresh_token: &str,
        client_id: &str,
        scope: Option<&str>,
        new: &NewTokens,
    ) -> Result<std::result::Result<Token, GrantError>> {
        self.refresh_inner(
            refresh_token,
            client_id,
            scope,
            &new.access,
            new.access_expires_at,
            Some(&new.refresh),
        )
    }

    fn refresh_inner(
        &self,
        refresh_token: &str,
        client_id: &str,
        scope: Option<&str>,
        new_access: &str,
        expires_at: i64,
        new_refresh: Option<&str>,
    ) -> Result<std::result::Result<Token, GrantError>> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let found = tx
            .query_row(
                &format!("SELECT {TOKEN_COLS} FROM tokens WHERE token = ?1 AND refresh = 1"),
                [refresh_token],
                token_row,
            )
            .optional()?;
        let Some(old) = found.filter(|t| !t.revoked && t.client_id == client_id) else {
            return Ok(Err(GrantError::InvalidGrant));
        };
        let granted: Vec<&str> = old.scope.split_whitespace().collect();
        let scope = match scope {
            Some(s) if s.split_whitespace().any(|x| !granted.contains(&x)) => {
                return Ok(Err(GrantError::InvalidScope));
            }
            Some(s) if !s.trim().is_empty() => s.split_whitespace().collect::<Vec<_>>().join(" "),
            _ => old.scope.clone(),
        };
        if let Some(next) = new_refresh {
            // The new refresh token keeps the grant's original scope: a narrowed access token does not narrow it.
            let rotated = Token {
                token: next.to_string(),
                ..old.clone()
            };
            tx.execute("UPDATE tokens SET revoked = 1 WHERE token = ?1", [refresh_token])?;
            insert_token(&tx, &rotated)?;
        }
        let access = Token {
            token: new_access.to_string(),
            refresh: false,
            scope,
            expires_at: Some(expires_at),
            ..old
        };
        insert_token(&tx, &access)?;
        tx.commit()?;
        Ok(Ok(access))
    }

    pub fn token(&self, token: &str) -> Result<Option<Token>> {
        Ok(self
            .lock()
            .query_row(
                &format!("SELECT {TOKEN_COLS} FROM tokens WHERE token = ?1"),
                [token],
                token_row,
            )
            .optional()?)
    }

    /// Revokes a token the client owns; revoking a refresh token also ends the access tokens of its grant.
    /// Unknown or foreign tokens are silently ignored, as RFC 7009 §2.2 asks.
    pub fn revoke(&self, token: &str, client_id: &str) -> Result<()> {
        let Some(t) = self.token(token)? else {
            return Ok(());
        };
        if t.client_id != client_id {
            return Ok(());
        }
        let conn = self.lock();
        if t.refresh {
            conn.execute("UPDATE tokens SET revoked = 1 WHERE grant_code = ?1", [t.grant])?;
        } else {
            conn.execute("UPDATE tokens SET revoked = 1 WHERE token = ?1", [t.token])?;
        }
        Ok(())
    }

    /// Creates or replaces by (issuer id, credential id) within one user's list; true when created.
    #[allow(clippy::too_many_arguments)]
    pub fn upsert_credential(
        &self,
        family: &str,
        user_id: &str,
        issuer_id: &str,
        cred_id: &str,
        json: bool,
        body: &str,
        issued_at: Option<i64>,
    ) -> Result<bool> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let updated = tx.execute(
            "UPDATE credentials SET json = ?5, body = ?6, issued_at = ?7
             WHERE family = ?1 AND user_id = ?2 AND issuer_id = ?3 AND cred_id = ?4",
            params![family, user_id, issuer_id, cred_id, json, body, issued_at],
        )?;
        if updated == 0 {
            tx.execute(
                "INSERT INTO credentials (family, user_id, issuer_id, cred_id, json, body, issued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![family, user_id, issuer_id, cred_id, json, body, issued_at],
            )?;
        }
        tx.commit()?;
        Ok(updated == 0)
    }

    /// One page of a user's credentials in insertion order, and the total matching `since`.
    pub fn credentials(
        &self,
        family: &str,
        user_id: &str,
        since: Option<i64>,
        offset: u64,
        limit: Option<u64>,
    ) -> Result<(u64, Vec<Stored>)> {
        let conn = self.lock();
        // Credentials without a readable issuance date are never "issued after" anything.
        let filter = "family = ?1 AND user_id = ?2 AND (?3 IS NULL OR (issued_at IS NOT NULL AND issued_at > ?3))";
        let total: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM credentials WHERE {filter}"),
            params![family, user_id, since],
            |r| r.get(0),
        )?;
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let mut stmt = conn.prepare(&format!(
            "SELECT json, body FROM credentials WHERE {filter} ORDER BY seq LIMIT ?4 OFFSET ?5"
        ))?;
        let rows = stmt
            .query_map(params![family, user_id, since, limit, offset], |r| {
                Ok(Stored {
                    json: r.get(0)?,
                    body: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((u64::try_from(total).unwrap_or(0), rows))
    }

    /// One stored credential of a user by its id (the CLR 1.0 API's `/clrs/{id}`), whatever its issuer.
    pub fn credential_by_id(&self, family: &str, user_id: &str, cred_id: &str) -> Result<Option<Stored>> {
        let conn = self.lock();
        let mut stmt =
            conn.prepare("SELECT json, body FROM credentials WHERE family = ?1 AND user_id = ?2 AND cred_id = ?3")?;
        let mut rows = stmt.query_map(params![family, user_id, cred_id], |r| {
            Ok(Stored {
                json: r.get(0)?,
                body: r.get(1)?,
            })
        })?;
        Ok(rows.next().transpose()?)
    }

    /// Deletes a user's credential by its id; true when there was one.
    pub fn delete_credential(&self, family: &str, user_id: &str, cred_id: &str) -> Result<bool> {
        let n = self.lock().execute(
            "DELETE FROM credentials WHERE family = ?1 AND user_id = ?2 AND cred_id = ?3",
            params![family, user_id, cred_id],
        )?;
        Ok(n > 0)
    }

    /// Seeds a profile unless one is stored already (a restart keeps updates made through putProfile).
    pub fn seed_profile(&self, user_id: &str, body: &serde_json::Value) -> Result<()> {
        self.lock().execute(
            "INSERT OR IGNORE INTO profiles (user_id, body) VALUES (?1, ?2)",
            params![user_id, body.to_string()],
        )?;
        Ok(())
    }

    pub fn profile(&self, user_id: &str) -> Result<Option<serde_json::Value>> {
        let body: Option<String> = self
            .lock()
            .query_row("SELECT body FROM profiles WHERE user_id = ?1", [user_id], |r| r.get(0))
            .optional()?;
        Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
    }

    pub fn put_profile(&self, user_id: &str, body: &serde_json::Value) -> Result<()> {
        self.lock().execute(
            "INSERT OR REPLACE INTO profiles (user_id, body) VALUES (?1, ?2)",
            params![user_id, body.to_string()],
        )?;
        Ok(())
    }
}

fn insert_token(conn: &Connection, t: &Token) -> rusqlite::Result<usize> {
    conn.execute(
        &format!("INSERT INTO tokens ({TOKEN_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            t.token,
            t.refresh,
            t.client_id,
            t.user_id,
            t.scope,
            t.expires_at,
            t.revoked,
            t.grant
        ],
    )
}
