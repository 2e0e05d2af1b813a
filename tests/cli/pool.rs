//! `tokenctl pool add|list|remove`.

use serde_json::json;

use crate::Env;

#[test]
fn add_list_remove() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-b"]);
    env.ok(&["pool", "add", "plant-a"]);
    env.new_token("ci", &["--pool", "plant-a"]);
    let v = env.json(&["pool", "list"]);
    assert_eq!(v[0]["name"], "plant-a");
    assert_eq!(v[0]["tokens"], 1);
    assert_eq!(v[1]["name"], "plant-b");
    assert_eq!(v[1]["tokens"], 0);
    assert_eq!(v[1]["created_by"], crate::ACTOR);
    env.ok(&["pool", "remove", "plant-b"]);
    assert_eq!(env.json(&["pool", "list"]).as_array().unwrap().len(), 1);
    let ops: Vec<_> = env
        .log()
        .iter()
        .map(|e| e["op"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ops, ["pool-remove", "new", "pool-add", "pool-add"]);
    let entry = &env.log()[0];
    assert_eq!(entry["details"], json!({"pool": "plant-b"}));
    assert_eq!(entry["token"], serde_json::Value::Null);
    assert_eq!(entry["prefix"], serde_json::Value::Null);
}

#[test]
fn pool_add_creates_the_database() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    assert!(env.store_exists());
}

#[test]
fn duplicate_pool_is_a_conflict() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.unchanged(|| {
        env.fails(&["pool", "add", "plant-a"], 4);
    });
}

#[test]
fn a_pool_in_use_cannot_be_removed() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.new_token("ci", &["--pool", "plant-a"]);
    env.unchanged(|| {
        let line = env.fails(&["pool", "remove", "plant-a"], 4);
        assert!(line.contains("used by 1 token"), "{line}");
    });
    env.ok(&["modify", "ci", "--no-pool"]);
    env.ok(&["pool", "remove", "plant-a"]);
}

#[test]
fn removing_an_unknown_pool_is_not_found() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.unchanged(|| {
        let line = env.fails(&["pool", "remove", "plant-z"], 3);
        assert!(line.contains("plant-a"), "{line}");
    });
}

#[test]
fn bad_pool_names_are_refused() {
    let env = Env::new();
    env.ok(&["pool", "add", "ok"]);
    env.unchanged(|| {
        for bad in ["", " x", "x\t", &"p".repeat(65)] {
            env.fails(&["pool", "add", bad], 2);
        }
    });
}

#[test]
fn pool_list_table_and_csv() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    assert!(env.ok(&["pool", "list"]).contains("plant-a"));
    let csv = env.ok(&["pool", "list", "--format", "csv"]);
    assert!(
        csv.starts_with("name,tokens,created_at,created_by\nplant-a,0,"),
        "{csv}"
    );
}
