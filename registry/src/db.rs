//! The registry's metadata: users, groups, tokens, templates, versions and
//! the audit log, in SQLite or PostgreSQL through one code path (sqlx's
//! `Any` driver; the schema in `migrations/` is written for both).
//!
//! Who sees what is decided here, in SQL (`VISIBLE`), so that listing
//! filters in the database and every read goes through the same rule.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

use crate::access::{Access, Caller, Membership};
use crate::metadata::Metadata;
use crate::{now, Error};

/// The condition under which the caller (`$1`) sees template `t`:
/// public, their own private one, or a group template of one of their groups.
pub(crate) const VISIBLE: &str = "(t.access = 'public' \
    OR (t.access = 'private' AND t.owner = $1) \
    OR (t.access = 'group' AND EXISTS (SELECT 1 FROM memberships m \
        WHERE m.user_name = $1 AND m.group_name = t.group_name)))";

pub struct Db {
    pub(crate) pool: AnyPool,
}

/// A template as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TemplateInfo {
    pub group: String,
    pub name: String,
    pub owner: String,
    pub access: Access,
    pub description: String,
    /// The newest version that is not yanked.
    pub latest: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionInfo {
    pub version: String,
    pub digest: String,
    pub size: i64,
    pub yanked: bool,
    pub published_by: String,
    pub published_at: i64,
    #[serde(skip)]
    pub archive_key: String,
}

/// A window of a list: the entries after `after` (GROUP, NAME), at most `limit`.
#[derive(Debug, Clone)]
pub struct Page {
    pub after: Option<(String, String)>,
    pub limit: i64,
}

impl Page {
    /// Everything: for callers that show the whole list at once.
    pub fn all() -> Page {
        Page {
            after: None,
            limit: i64::MAX,
        }
    }
}

/// A template with its versions (newest first) and what its newest version declares.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TemplateDetail {
    pub template: TemplateInfo,
    pub versions: Vec<VersionInfo>,
    pub metadata: Option<Metadata>,
}

/// A version to record by `Db::publish`.
pub struct NewVersion<'a> {
    pub group: &'a str,
    pub name: &'a str,
    pub version: &'a semver::Version,
    pub access: Option<Access>,
    pub description: Option<&'a str>,
    pub digest: &'a str,
    pub size: i64,
    pub archive_key: &'a str,
    pub metadata: &'a Metadata,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// The schema, embedded in the binary. sqlx's `migrate!` macro would need
/// its compile-time machinery; the migrator itself is the same.
fn migrator() -> sqlx::migrate::Migrator {
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    let migration = |version, name: &'static str, sql: &'static str| {
        Migration::new(
            version,
            name.into(),
            MigrationType::Simple,
            sql.into(),
            false,
        )
    };
    let migrations = vec![
        migration(
            1,
            "registry",
            include_str!("../migrations/0001_registry.sql"),
        ),
        migration(
            2,
            "credential_refs",
            include_str!("../migrations/0002_credential_refs.sql"),
        ),
        migration(
            3,
            "latest_version",
            include_str!("../migrations/0003_latest_version.sql"),
        ),
    ];
    Migrator {
        migrations: migrations.into(),
        ..Migrator::DEFAULT
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source is available");
    hex::encode(buf)
}

pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

impl Db {
    /// Connects (`sqlite://PATH?mode=rwc` or `postgres://…`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Db, Error> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 8 } else { 20 })
            .connect(url)
            .await?;
        if sqlite {
            // Readers never wait for a writer; the setting stays with the file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        migrator()
            .run(&pool)
            .await
            .map_err(|e| Error::Database(e.into()))?;
        let db = Db { pool };
        db.fill_latest().await?;
        Ok(db)
    }

    pub(crate) async fn audit<'c, E>(
        executor: E,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), Error>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        sqlx::query("INSERT INTO audit (id, at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(random_hex(16))
            .bind(now())
            .bind(actor)
            .bind(action)
            .bind(target)
            .bind(detail)
            .execute(executor)
            .await?;
        Ok(())
    }

    /// Adds a user (if new) and makes them a member of each group, creating groups as needed.
    pub async fn add_user(&self, name: &str, groups: &[String], admin: bool) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO users (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        for group in groups {
            sqlx::query("INSERT INTO user_groups (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(group)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO memberships (user_name, group_name, admin) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_name, group_name) DO UPDATE SET admin = $3",
            )
            .bind(name)
            .bind(group)
            .bind(admin as i64)
            .execute(&mut *tx)
            .await?;
        }
        let detail = format!("groups={} admin={admin}", groups.join(","));
        Self::audit(&mut *tx, "admin", "user.add", name, &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates a token for a user: returns its id and the token, which is shown once and kept only as a hash.
    pub async fn create_token(&self, user: &str) -> Result<(String, String), Error> {
        let exists = sqlx::query("SELECT name FROM users WHERE name = $1")
            .bind(user)
            .fetch_optional(&self.pool)
            .await?;
        if exists.is_none() {
            return Err(Error::NotFound(format!(
                "no user {user:?}; add it first with `stack registry user add {user} --group GROUP`"
            )));
        }
        // 256 random bits: a plain SHA-256 is enough to keep it (nothing to
        // brute-force, unlike a password), and it lets a request find its
        // token by hash in one indexed lookup.
        let token = format!("stk_{}", random_hex(32));
        let hash = sha256_hex(&token);
        let id = hash[..12].to_string();
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO tokens (hash, id, user_name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&hash)
            .bind(&id)
            .bind(user)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        Self::audit(&mut *tx, "admin", "token.create", user, &format!("id={id}")).await?;
        tx.commit().await?;
        Ok((id, token))
    }

    /// Revokes a token by its id; later requests with it get 401.
    pub async fn revoke_token(&self, id: &str) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        let done =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!("no active token with id {id:?}")));
        }
        Self::audit(&mut *tx, "admin", "token.revoke", id, "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user a token belongs to, if it is known and not revoked.
    pub async fn caller(&self, token: &str) -> Result<Option<Caller>, Error> {
        let row =
            sqlx::query("SELECT user_name FROM tokens WHERE hash = $1 AND revoked_at IS NULL")
                .bind(sha256_hex(token))
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let name: String = row.try_get("user_name")?;
        let groups = sqlx::query(
            "SELECT group_name, admin FROM memberships WHERE user_name = $1 ORDER BY group_name",
        )
        .bind(&name)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Membership {
                group: r.try_get("group_name")?,
                admin: r.try_get::<i64, _>("admin")? != 0,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(Some(Caller { name, groups }))
    }

    /// The templates the caller may see, by group and name: at most
    /// `page.limit` of them after `page.after`.
    pub async fn list_visible(
        &self,
        caller: &Caller,
        page: &Page,
    ) -> Result<Vec<TemplateInfo>, Error> {
        let (group, name) = page.after.clone().unwrap_or_default();
        let sql = format!(
            "SELECT t.group_name, t.name, t.owner, t.access, t.description, t.latest \
             FROM templates t WHERE (t.group_name > $2 OR (t.group_name = $2 AND t.name > $3)) \
             AND {VISIBLE} ORDER BY t.group_name, t.name LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(&caller.name)
            .bind(group)
            .bind(name)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(template_info).collect()
    }

    /// Sets a template's `latest` from its versions: the newest not yanked.
    async fn refresh_latest(
        conn: &mut sqlx::AnyConnection,
        group: &str,
        name: &str,
    ) -> Result<(), Error> {
        let rows = sqlx::query(
            "SELECT version FROM versions WHERE group_name = $1 AND name = $2 AND yanked = 0",
        )
        .bind(group)
        .bind(name)
        .fetch_all(&mut *conn)
        .await?;
        let mut newest: Option<semver::Version> = None;
        for row in rows {
            if let Ok(v) = semver::Version::parse(&row.try_get::<String, _>("version")?) {
                newest = newest.max(Some(v));
            }
        }
        sqlx::query("UPDATE templates SET latest = $1 WHERE group_name = $2 AND name = $3")
            .bind(newest.map(|v| v.to_string()))
            .bind(group)
            .bind(name)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Fills `latest` for templates published before the column existed.
    async fn fill_latest(&self) -> Result<(), Error> {
        let rows = sqlx::query(
            "SELECT DISTINCT t.group_name, t.name FROM templates t JOIN versions v \
             ON v.group_name = t.group_name AND v.name = t.name \
             WHERE t.latest IS NULL AND v.yanked = 0",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut conn = self.pool.acquire().await?;
        for row in rows {
            let (group, name): (String, String) =
                (row.try_get("group_name")?, row.try_get("name")?);
            Self::refresh_latest(&mut conn, &group, &name).await?;
        }
        Ok(())
    }

    /// One template with its versions, or `NotFound` when it does not exist or the caller may not see it.
    pub async fn show(
        &self,
        caller: &Caller,
        group: &str,
        name: &str,
    ) -> Result<TemplateDetail, Error> {
        let sql = format!(
            "SELECT t.group_name, t.name, t.owner, t.access, t.description FROM templates t \
             WHERE t.group_name = $2 AND t.name = $3 AND {VISIBLE}"
        );
        let row = sqlx::query(&sql)
            .bind(&caller.name)
            .bind(group)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::template_not_found(group, name))?;
        let mut template = template_info(&row)?;
        let rows = sqlx::query(
            "SELECT version, digest, size, yanked, published_by, published_at, archive_key, metadata \
             FROM versions WHERE group_name = $1 AND name = $2",
        )
        .bind(group)
        .bind(name)
        .fetch_all(&self.pool)
        .await?;
        let mut versions = Vec::new();
        for row in &rows {
            let info = version_info(row)?;
            let parsed = semver::Version::parse(&info.version).ok();
            let metadata: String = row.try_get("metadata")?;
            versions.push((parsed, info, metadata));
        }
        versions.sort_by(|a, b| b.0.cmp(&a.0));
        template.latest = versions
            .iter()
            .find(|(_, v, _)| !v.yanked)
            .map(|(_, v, _)| v.version.clone());
        let metadata = versions
            .iter()
            .find(|(_, v, _)| !v.yanked)
            .or(versions.first())
            .and_then(|(_, _, m)| serde_json::from_str(m).ok());
        Ok(TemplateDetail {
            template,
            versions: versions.into_iter().map(|(_, v, _)| v).collect(),
            metadata,
        })
    }

    /// Records a new version (and the template, on its first publish) and
    /// writes its archive with `put`, in one transaction: a version already
    /// published is refused (`Conflict`), and the row is committed only once
    /// the archive is stored.
    pub async fn publish<F, Fut>(
        &self,
        caller: &Caller,
        new: &NewVersion<'_>,
        put: F,
    ) -> Result<(), Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(), Error>>,
    {
        let (group, name) = (new.group, new.name);
        let target = format!("{group}/{name}");
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO templates (group_name, name, owner, access, description, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (group_name, name) DO NOTHING",
        )
        .bind(group)
        .bind(name)
        .bind(&caller.name)
        .bind(new.access.unwrap_or(Access::Private).as_str())
        .bind(new.description.unwrap_or(""))
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let row =
            sqlx::query("SELECT owner, access FROM templates WHERE group_name = $1 AND name = $2")
                .bind(group)
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
        let owner: String = row.try_get("owner")?;
        let access = Access::parse(&row.try_get::<String, _>("access")?).unwrap_or(Access::Private);
        if !caller.may_manage(&owner, group) {
            return Err(if caller.may_see(&owner, group, access) {
                Error::Forbidden(format!(
                    "only the owner of {target} ({owner}) or an admin of group {group} may publish versions of it"
                ))
            } else {
                // The name is unique in its group, so refusing it says that
                // something holds it; nothing more (not whose, not what).
                Error::Conflict(format!(
                    "the name {target} is taken; publish under another name"
                ))
            });
        }
        if let Some(access) = new.access {
            sqlx::query("UPDATE templates SET access = $1 WHERE group_name = $2 AND name = $3")
                .bind(access.as_str())
                .bind(group)
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(description) = new.description {
            sqlx::query(
                "UPDATE templates SET description = $1 WHERE group_name = $2 AND name = $3",
            )
            .bind(description)
            .bind(group)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        }
        let inserted = sqlx::query(
            "INSERT INTO versions (group_name, name, version, digest, size, archive_key, metadata, yanked, published_by, published_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)",
        )
        .bind(group)
        .bind(name)
        .bind(new.version.to_string())
        .bind(new.digest)
        .bind(new.size)
        .bind(new.archive_key)
        .bind(serde_json::to_string(new.metadata).unwrap_or_else(|_| "{}".into()))
        .bind(&caller.name)
        .bind(now())
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::Conflict(format!(
                    "{target} {} is already published; versions are immutable, so publish a new version",
                    new.version
                )))
            }
            other => other?,
        };
        Self::refresh_latest(&mut tx, group, name).await?;
        let detail = format!("version={} digest={}", new.version, new.digest);
        Self::audit(&mut *tx, &caller.name, "template.publish", &target, &detail).await?;
        put().await?;
        tx.commit().await?;
        Ok(())
    }

    /// Loads a template the caller may see and checks that they may change it.
    async fn manageable(&self, caller: &Caller, group: &str, name: &str) -> Result<(), Error> {
        let detail = self.show(caller, group, name).await?;
        if !caller.may_manage(&detail.template.owner, group) {
            return Err(Error::Forbidden(format!(
                "only the owner of {group}/{name} ({}) or an admin of group {group} may change it",
                detail.template.owner
            )));
        }
        Ok(())
    }

    pub async fn set_access(
        &self,
        caller: &Caller,
        group: &str,
        name: &str,
        access: Access,
    ) -> Result<(), Error> {
        self.manageable(caller, group, name).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE templates SET access = $1 WHERE group_name = $2 AND name = $3")
            .bind(access.as_str())
            .bind(group)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let target = format!("{group}/{name}");
        Self::audit(
            &mut *tx,
            &caller.name,
            "template.access",
            &target,
            access.as_str(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn yank(
        &self,
        caller: &Caller,
        group: &str,
        name: &str,
        version: &str,
    ) -> Result<(), Error> {
        self.manageable(caller, group, name).await?;
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE versions SET yanked = 1 WHERE group_name = $1 AND name = $2 AND version = $3",
        )
        .bind(group)
        .bind(name)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!(
                "{group}/{name} has no version {version}"
            )));
        }
        Self::refresh_latest(&mut tx, group, name).await?;
        let target = format!("{group}/{name}");
        Self::audit(
            &mut *tx,
            &caller.name,
            "template.yank",
            &target,
            &format!("version={version}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a group's default template (`NAME@VERSION` or `GROUP/NAME@VERSION`).
    pub async fn set_group_default(&self, group: &str, template: &str) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE user_groups SET default_template = $1 WHERE name = $2")
            .bind(template)
            .bind(group)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!("no group {group:?}")));
        }
        Self::audit(&mut *tx, "admin", "group.default", group, template).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A group's default template, for its members only.
    pub async fn group_default(
        &self,
        caller: &Caller,
        group: &str,
    ) -> Result<Option<String>, Error> {
        if !caller.is_member(group) {
            return Err(Error::NotFound(format!("group {group} not found")));
        }
        let row = sqlx::query("SELECT default_template FROM user_groups WHERE name = $1")
            .bind(group)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get("default_template")?,
            None => None,
        })
    }

    /// The newest audit entries, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, Error> {
        let rows = sqlx::query(
            "SELECT at, actor, action, target, detail FROM audit ORDER BY at DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}

fn template_info(row: &sqlx::any::AnyRow) -> Result<TemplateInfo, Error> {
    let access: String = row.try_get("access")?;
    Ok(TemplateInfo {
        group: row.try_get("group_name")?,
        name: row.try_get("name")?,
        owner: row.try_get("owner")?,
        access: Access::parse(&access).unwrap_or(Access::Private),
        description: row.try_get("description")?,
        latest: row.try_get("latest").ok().flatten(),
    })
}

fn version_info(row: &sqlx::any::AnyRow) -> Result<VersionInfo, Error> {
    Ok(VersionInfo {
        version: row.try_get("version")?,
        digest: row.try_get("digest")?,
        size: row.try_get("size")?,
        yanked: row.try_get::<i64, _>("yanked")? != 0,
        published_by: row.try_get("published_by")?,
        published_at: row.try_get("published_at")?,
        archive_key: row.try_get("archive_key")?,
    })
}
