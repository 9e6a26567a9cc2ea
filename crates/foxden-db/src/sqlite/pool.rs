//! A fixed pool of reader connections: a semaphore counts the idle ones, a
//! mutex-guarded stack holds them. A checked-out connection goes back on drop,
//! also when the closure using it panics.

use std::ops::Deref;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::store::{DbError, DbResult};

pub(super) struct ReaderPool {
    idle: Mutex<Vec<Connection>>,
    slots: Arc<Semaphore>,
}

impl ReaderPool {
    pub(super) fn new(conns: Vec<Connection>) -> Self {
        let slots = Arc::new(Semaphore::new(conns.len()));
        Self {
            idle: Mutex::new(conns),
            slots,
        }
    }

    /// Waits for an idle connection.
    pub(super) async fn checkout(self: &Arc<Self>) -> DbResult<PooledConn> {
        let permit = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| DbError::Backend("sqlite reader pool closed".into()))?;
        let conn = self
            .idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .ok_or_else(|| DbError::Backend("sqlite reader pool is empty".into()))?;
        Ok(PooledConn {
            conn: Some(conn),
            pool: self.clone(),
            _permit: permit,
        })
    }
}

pub(super) struct PooledConn {
    conn: Option<Connection>,
    pool: Arc<ReaderPool>,
    // Dropped after `drop` has pushed the connection back.
    _permit: OwnedSemaphorePermit,
}

impl Deref for PooledConn {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("connection present until drop")
    }
}

impl Drop for PooledConn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
        }
    }
}
