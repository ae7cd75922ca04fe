//! A unit of work: one Postgres transaction plus the effects that must happen
//! only once it has committed — evicting cached sessions, dropping a cached
//! dashboard, publishing a live event. Postgres is the record: an effect that
//! ran for a change that then rolled back would show users something that
//! never happened, and one that is skipped (Redis down) is only slower to show.
//!
//! ```ignore
//! let mut uow = UnitOfWork::begin(ctx).await?;
//! db::update_role(&mut uow, member, role).await?;
//! let hashes = session::member_session_hashes(&mut uow, org, user).await?;
//! uow.after_commit(move |ctx| async move { session::evict_cached(&ctx, &hashes).await });
//! uow.commit().await?;
//! ```

use crate::ctx::Ctx;
use crate::error::Result;
use futures::future::BoxFuture;
use sqlx::{PgConnection, Postgres, Transaction};
use std::future::Future;
use std::ops::{Deref, DerefMut};

type Effect = Box<dyn FnOnce(Ctx) -> BoxFuture<'static, ()> + Send>;

pub struct UnitOfWork<'c> {
    ctx: &'c Ctx,
    tx: Transaction<'static, Postgres>,
    after_commit: Vec<Effect>,
}

impl<'c> UnitOfWork<'c> {
    pub async fn begin(ctx: &'c Ctx) -> Result<Self> {
        Ok(Self {
            ctx,
            tx: ctx.db.begin().await?,
            after_commit: Vec::new(),
        })
    }

    /// Runs `effect` after a successful commit, in the order registered.
    /// Effects are best effort: they log their own failures.
    pub fn after_commit<F, Fut>(&mut self, effect: F)
    where
        F: FnOnce(Ctx) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.after_commit
            .push(Box::new(move |ctx| Box::pin(effect(ctx))));
    }

    /// Commits, then runs the effects. Dropping a unit of work without
    /// committing rolls it back and runs nothing.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        for effect in self.after_commit {
            effect(self.ctx.clone()).await;
        }
        Ok(())
    }
}

impl Deref for UnitOfWork<'_> {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for UnitOfWork<'_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}
