//! Checks of one prefix that arrive together share one read of its row,
//! when the read leaves the event loop (a PostgreSQL store: a round trip to
//! the server). A busy token's checks then cost the server one query per
//! round trip, not one per request.
//!
//! The contract still holds (spec section 9: every request reads the row,
//! so a disable takes effect on the very next request): a check only ever
//! joins a read that has not begun yet, and that read's statement sees
//! everything committed before it began, so before the check arrived. One
//! read per prefix runs at a time; the checks that arrive while it runs
//! wait for the next one, which begins when it ends. A check that finds no
//! read running starts its own at once (no wait when the load is light).

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::watch;

use crate::domain::token::Kind;
use crate::error::Result as AnyResult;
use crate::lock::LockAnyway;

/// What a read is of: a presented token's kind and prefix.
pub(crate) type Key = (Kind, String);

/// A read's result as its sharers get it (an error as its one line).
type Shared<T> = Result<T, String>;

/// One read: its result once it has one.
type Read<T> = watch::Receiver<Option<Shared<T>>>;

/// The reads of each prefix: the one running, and the one to run next.
pub(crate) struct Reads<T>(Mutex<HashMap<Key, Reading<T>>>);

impl<T> Default for Reads<T> {
    fn default() -> Self {
        Reads(Mutex::default())
    }
}

struct Reading<T> {
    running: Option<Read<T>>,
    /// Not begun yet: every check that arrives joins it.
    next: Option<Read<T>>,
}

impl<T: Clone + Send + Sync + 'static> Reads<T> {
    /// What `read` (run on the blocking pool) gives for `key`, from a read
    /// begun after this call was made, shared with the calls for `key`
    /// that arrive before it begins.
    pub(crate) async fn read(
        &self,
        key: Key,
        read: impl FnOnce() -> AnyResult<T> + Send + 'static,
    ) -> AnyResult<T> {
        // Most calls of a busy prefix join a read: they allocate nothing
        // (no channel, no copy of the key) under the lock.
        let turn = {
            let mut all = self.0.lock_anyway();
            match all.get_mut(&key) {
                Some(Reading {
                    next: Some(next), ..
                }) => Err(next.clone()),
                found => {
                    let (tx, mine) = watch::channel(None);
                    let running = if let Some(reading) = found {
                        reading.next = Some(mine.clone());
                        reading.running.clone()
                    } else {
                        let reading = Reading {
                            running: None,
                            next: Some(mine.clone()),
                        };
                        all.insert(key.clone(), reading);
                        None
                    };
                    Ok((tx, mine, running))
                }
            }
        };
        let (tx, mine, running) = match turn {
            Ok(leading) => leading,
            Err(next) => {
                return match joined(next).await {
                    Some(shared) => shared.map_err(|e| anyhow::anyhow!(e)),
                    // Its leader went away before it began: read alone.
                    None => blocking(read).await,
                };
            }
        };
        // This call leads the next read: it begins when the running one has
        // ended. Whatever happens to this call (its client hangs up), the
        // prefix's entry forgets this read when it is dropped.
        let leading = Leading {
            reads: self,
            key,
            read: mine,
        };
        if let Some(running) = running {
            joined(running).await;
        }
        // The checks already waiting to run on the event loop go first:
        // those of this prefix join this read rather than the next (under
        // load, fewer reads; alone, nothing waits).
        tokio::task::yield_now().await;
        leading.begin();
        blocking(move || {
            let value = read();
            let shared = match &value {
                Ok(v) => Ok(v.clone()),
                Err(e) => Err(crate::error::one_line(&format!("{e:#}"))),
            };
            let _ = tx.send(Some(shared));
            value
        })
        .await
    }
}

/// `f` on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> AnyResult<T> + Send + 'static,
) -> AnyResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| anyhow::anyhow!("the check stopped: {e}"))?
}

/// The result of `read`, once it has one; `None` when it never will (its
/// leader went away before it began).
async fn joined<T: Clone>(mut read: Read<T>) -> Option<Shared<T>> {
    read.wait_for(Option::is_some)
        .await
        .ok()
        .and_then(|r| r.clone())
}

/// The call that leads a read, until the read is forgotten.
struct Leading<'a, T> {
    reads: &'a Reads<T>,
    key: Key,
    read: Read<T>,
}

impl<T> Leading<'_, T> {
    /// The read begins: calls that arrive from now on wait for the next.
    fn begin(&self) {
        let mut all = self.reads.0.lock_anyway();
        if let Some(reading) = all.get_mut(&self.key)
            && reading
                .next
                .as_ref()
                .is_some_and(|n| n.same_channel(&self.read))
        {
            reading.running = reading.next.take();
        }
    }
}

impl<T> Drop for Leading<'_, T> {
    fn drop(&mut self) {
        let mut all = self.reads.0.lock_anyway();
        let Some(reading) = all.get_mut(&self.key) else {
            return;
        };
        let ours = |r: &Option<Read<T>>| r.as_ref().is_some_and(|r| r.same_channel(&self.read));
        if ours(&reading.running) {
            reading.running = None;
        }
        if ours(&reading.next) {
            reading.next = None;
        }
        if reading.running.is_none() && reading.next.is_none() {
            all.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use tokio::sync::Notify;

    use super::{Key, Reads};
    use crate::domain::token::Kind;

    fn key() -> Key {
        (Kind::Api, "AbCdEfGh".to_owned())
    }

    /// A read that says it began, then blocks its thread until `go` is
    /// sent (at most 10 s: a failing test must not hang), then gives 1;
    /// and the sender.
    fn held(
        started: &Arc<Notify>,
    ) -> (
        impl FnOnce() -> anyhow::Result<u32> + Send + 'static,
        std::sync::mpsc::Sender<()>,
    ) {
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let started = Arc::clone(started);
        let read = move || {
            started.notify_one();
            let _ = wait.recv_timeout(Duration::from_secs(10));
            Ok(1)
        };
        (read, go)
    }

    /// A first call whose read has begun and is [`held`]: the call, and
    /// the sender that lets its read end.
    async fn first_running(
        reads: &Arc<Reads<u32>>,
        started: &Arc<Notify>,
    ) -> (tokio::task::JoinHandle<u32>, std::sync::mpsc::Sender<()>) {
        let (read, go) = held(started);
        let first = tokio::spawn({
            let reads = Arc::clone(reads);
            async move { reads.read(key(), read).await.unwrap() }
        });
        started.notified().await;
        (first, go)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn calls_share_only_a_read_that_begins_after_they_arrive() {
        let reads = Arc::new(Reads::<u32>::default());
        let started = Arc::new(Notify::new());
        let (first, go) = first_running(&reads, &started).await;
        // Three calls arrive while the first read runs: they must not get
        // its (older) value, and share one read begun after it ended.
        let runs = Arc::new(AtomicUsize::new(0));
        let later: Vec<_> = (0..3)
            .map(|_| {
                let (reads, runs) = (Arc::clone(&reads), Arc::clone(&runs));
                tokio::spawn(async move {
                    reads
                        .read(key(), move || {
                            Ok(2 + 10 * runs.fetch_add(1, Ordering::SeqCst) as u32)
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            0,
            "no read begins while one runs"
        );
        go.send(()).unwrap();
        assert_eq!(first.await.unwrap(), 1);
        for call in later {
            assert_eq!(call.await.unwrap(), 2, "the one read after the first");
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(reads.0.lock().unwrap().is_empty(), "nothing is left behind");
    }

    /// Two checks of one prefix ready on the event loop at once, no read
    /// running: the first leads a read and lets the second run before it
    /// begins, so the second joins it (one read, not one each).
    #[tokio::test(flavor = "current_thread")]
    async fn checks_ready_together_share_the_first_read() {
        let reads = Arc::new(Reads::<u32>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let calls: Vec<_> = (0..2)
            .map(|_| {
                let (reads, runs) = (Arc::clone(&reads), Arc::clone(&runs));
                tokio::spawn(async move {
                    reads
                        .read(key(), move || {
                            Ok(1 + runs.fetch_add(1, Ordering::SeqCst) as u32)
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for call in calls {
            assert_eq!(call.await.unwrap(), 1);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1, "one read for both");
        assert!(reads.0.lock().unwrap().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_whose_leader_went_away_is_read_alone_and_errors_are_shared() {
        let reads = Arc::new(Reads::<u32>::default());
        let started = Arc::new(Notify::new());
        let (first, go) = first_running(&reads, &started).await;
        // The next read's leader waits for the first, then its client
        // hangs up: the call that joined it reads alone.
        let leader = tokio::spawn({
            let reads = Arc::clone(&reads);
            async move { reads.read(key(), || Ok(5)).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let joined = tokio::spawn({
            let reads = Arc::clone(&reads);
            async move { reads.read(key(), || Ok(7)).await.unwrap() }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        leader.abort();
        assert_eq!(joined.await.unwrap(), 7);
        go.send(()).unwrap();
        assert_eq!(first.await.unwrap(), 1);
        // A failed read fails every call that shared it, with its message.
        let (failing, go) = first_running(&reads, &started).await;
        let sharers: Vec<_> = (0..2)
            .map(|_| {
                let reads = Arc::clone(&reads);
                tokio::spawn(async move {
                    reads
                        .read(key(), || Err(anyhow::anyhow!("the server went away")))
                        .await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        go.send(()).unwrap();
        assert_eq!(failing.await.unwrap(), 1);
        for s in sharers {
            let e = s.await.unwrap().unwrap_err();
            assert!(e.to_string().contains("the server went away"), "{e}");
        }
        assert!(reads.0.lock().unwrap().is_empty());
    }
}
