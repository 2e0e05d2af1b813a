//! The operations against a real store in a temp dir, without the binary:
//! the rules that need no process are tested here, and `tests/cli` keeps
//! what needs the binary (exit codes, streams, terminals, proxies).

use chrono::Utc;

use super::{audit, change, issue, modify, pool};
use crate::domain::model::{Access, Op, Token};
use crate::error::{Kind, kind_of};
use crate::store::{Location, LogFilter, Open, Store};

struct Temp {
    _dir: tempfile::TempDir,
    store: Store,
}

fn temp() -> Temp {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&Location::parse(dir.path().join("t.db")), Open::Create).unwrap();
    Temp { _dir: dir, store }
}

fn create(store: &mut Store, name: &str) -> Token {
    issue::create(
        store,
        "tester",
        &issue::Wanted::new(name, Access::ReadWrite),
        Utc::now(),
        &|| Ok(()),
    )
    .unwrap()
    .0
}

fn ops_logged(store: &mut Store) -> Vec<Op> {
    let mut ops = Vec::new();
    store
        .read(|db| {
            db.each_log_entry(&LogFilter::default(), &mut |e| {
                ops.push(e.op);
                Ok(())
            })
        })
        .unwrap();
    ops.reverse();
    ops
}

#[test]
fn a_taken_name_is_a_conflict_and_writes_nothing() {
    let mut t = temp();
    create(&mut t.store, "ci");
    let err = issue::create(
        &mut t.store,
        "tester",
        &issue::Wanted::new("ci", Access::ReadOnly),
        Utc::now(),
        &|| Ok(()),
    )
    .unwrap_err();
    assert_eq!(kind_of(&err), Kind::Conflict);
    assert_eq!(ops_logged(&mut t.store), [Op::New]);
}

#[test]
fn switching_to_the_state_a_token_has_changes_nothing() {
    let mut t = temp();
    create(&mut t.store, "ci");
    let disable = change::State::Disabled;
    let (token, changed) = change::switch(&mut t.store, "tester", "ci", disable, None).unwrap();
    assert!(changed && token.disabled);
    let (_, changed) = change::switch(&mut t.store, "tester", "ci", disable, None).unwrap();
    assert!(!changed);
    assert_eq!(ops_logged(&mut t.store), [Op::New, Op::Disable]);
}

#[test]
fn a_confirmed_delete_follows_a_rename_but_not_a_renew() {
    let mut t = temp();
    let shown = create(&mut t.store, "ci");
    let rename = modify::Wanted {
        name: Some("ci-old".into()),
        ..modify::Wanted::default()
    };
    modify::modify(&mut t.store, "tester", "ci", &rename, None, Utc::now()).unwrap();
    change::delete_confirmed(&mut t.store, "tester", &shown, None).unwrap();

    let shown = create(&mut t.store, "deploy");
    issue::renew(
        &mut t.store,
        "tester",
        &shown,
        None,
        None,
        Utc::now(),
        &|| Ok(()),
    )
    .unwrap();
    let err = change::delete_confirmed(&mut t.store, "tester", &shown, None).unwrap_err();
    assert_eq!(kind_of(&err), Kind::NotFound);
    assert!(err.to_string().contains("nothing was deleted"), "{err}");
}

#[test]
fn a_modify_to_the_values_held_is_no_change() {
    let mut t = temp();
    create(&mut t.store, "ci");
    let same = modify::Wanted {
        access: Some(Access::ReadWrite),
        owner: Some(None),
        ..modify::Wanted::default()
    };
    let done = modify::modify(&mut t.store, "tester", "ci", &same, None, Utc::now()).unwrap();
    assert!(done.changed.is_empty());
    assert_eq!(ops_logged(&mut t.store), [Op::New]);
}

#[test]
fn a_pool_in_use_stays() {
    let mut t = temp();
    pool::add(&mut t.store, "tester", "plant-a", Utc::now()).unwrap();
    create(&mut t.store, "ci");
    let to_pool = modify::Wanted {
        pool: Some(Some("plant-a".into())),
        ..modify::Wanted::default()
    };
    modify::modify(&mut t.store, "tester", "ci", &to_pool, None, Utc::now()).unwrap();
    let err = pool::remove(&mut t.store, "tester", "plant-a").unwrap_err();
    assert_eq!(kind_of(&err), Kind::Conflict);
    let err = pool::remove(&mut t.store, "tester", "plant-b").unwrap_err();
    assert_eq!(kind_of(&err), Kind::NotFound);
}

#[test]
fn a_prune_of_a_token_changed_since_it_was_listed_prunes_nothing() {
    let mut t = temp();
    let a = create(&mut t.store, "a");
    create(&mut t.store, "b");
    let rule = audit::Stale::UnusedSince(Utc::now() + chrono::Duration::days(1));
    let listed = audit::stale(&mut t.store, rule).unwrap();
    assert_eq!(listed.len(), 2);
    issue::renew(&mut t.store, "tester", &a, None, None, Utc::now(), &|| {
        Ok(())
    })
    .unwrap();
    let err = audit::prune(&mut t.store, "tester", &listed, rule, "test", None).unwrap_err();
    assert_eq!(kind_of(&err), Kind::NotFound);
    assert_eq!(audit::stale(&mut t.store, rule).unwrap().len(), 2);
}

#[test]
fn a_fresh_log_walks_intact() {
    let mut t = temp();
    create(&mut t.store, "ci");
    let report = t.store.read(|db| audit::walk_log(db, None)).unwrap();
    assert_eq!(report.entries, 1);
    assert!(report.broken.is_none());
}
