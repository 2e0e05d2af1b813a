//! A model-based property test: random sequences of management commands run
//! against the binary and against a small in-memory model, compared after
//! every step (exit codes, the token list, the number of log entries).

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::Env;

const NAMES: [&str; 3] = ["a", "b", "c"];
const POOLS: [&str; 2] = ["p0", "p1"];

#[derive(Debug, Clone)]
enum Op {
    New {
        name: usize,
        pool: Option<usize>,
        read_only: bool,
    },
    SetAccess {
        name: usize,
        read_only: bool,
    },
    SetPool {
        name: usize,
        pool: Option<usize>,
    },
    Rename {
        name: usize,
        to: usize,
    },
    Renew {
        name: usize,
    },
    Disable {
        name: usize,
    },
    Enable {
        name: usize,
    },
    Delete {
        name: usize,
    },
    PoolAdd {
        pool: usize,
    },
    PoolRemove {
        pool: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let n = 0..NAMES.len();
    let p = 0..POOLS.len();
    prop_oneof![
        3 => (n.clone(), proptest::option::of(p.clone()), any::<bool>())
            .prop_map(|(name, pool, read_only)| Op::New { name, pool, read_only }),
        1 => (n.clone(), any::<bool>()).prop_map(|(name, read_only)| Op::SetAccess { name, read_only }),
        1 => (n.clone(), proptest::option::of(p.clone())).prop_map(|(name, pool)| Op::SetPool { name, pool }),
        1 => (n.clone(), n.clone()).prop_map(|(name, to)| Op::Rename { name, to }),
        1 => n.clone().prop_map(|name| Op::Renew { name }),
        1 => n.clone().prop_map(|name| Op::Disable { name }),
        1 => n.clone().prop_map(|name| Op::Enable { name }),
        1 => n.clone().prop_map(|name| Op::Delete { name }),
        2 => p.clone().prop_map(|pool| Op::PoolAdd { pool }),
        1 => p.prop_map(|pool| Op::PoolRemove { pool }),
    ]
}

#[derive(Debug, Clone, PartialEq)]
struct Tok {
    pool: Option<String>,
    read_only: bool,
    disabled: bool,
}

#[derive(Debug, Default)]
struct Model {
    tokens: BTreeMap<String, Tok>,
    pools: Vec<String>,
    log_entries: usize,
}

impl Model {
    /// The exit code the contract gives, applying the change when it succeeds.
    fn apply(&mut self, op: &Op) -> i32 {
        let name = |i: &usize| NAMES[*i].to_owned();
        let pool = |i: &Option<usize>| i.map(|p| POOLS[p].to_owned());
        let known_pool =
            |m: &Model, p: &Option<String>| p.as_ref().is_none_or(|p| m.pools.contains(p));
        let changed = |m: &mut Model| {
            m.log_entries += 1;
            0
        };
        match op {
            Op::New {
                name: n,
                pool: p,
                read_only,
            } => {
                let (n, p) = (name(n), pool(p));
                if self.tokens.contains_key(&n) {
                    4
                } else if !known_pool(self, &p) {
                    2
                } else {
                    self.tokens.insert(
                        n,
                        Tok {
                            pool: p,
                            read_only: *read_only,
                            disabled: false,
                        },
                    );
                    changed(self)
                }
            }
            Op::SetAccess { name: n, read_only } => match self.tokens.get_mut(&name(n)) {
                None => 3,
                Some(t) if t.read_only == *read_only => 0,
                Some(t) => {
                    t.read_only = *read_only;
                    changed(self)
                }
            },
            Op::SetPool { name: n, pool: p } => {
                let p = pool(p);
                if !self.tokens.contains_key(&name(n)) {
                    return 3;
                }
                if !known_pool(self, &p) {
                    return 2;
                }
                let t = self.tokens.get_mut(&name(n)).unwrap();
                if t.pool == p {
                    0
                } else {
                    t.pool = p;
                    changed(self)
                }
            }
            Op::Rename { name: n, to } => {
                let (n, to) = (name(n), name(to));
                if !self.tokens.contains_key(&n) {
                    3
                } else if n == to {
                    0
                } else if self.tokens.contains_key(&to) {
                    4
                } else {
                    let t = self.tokens.remove(&n).unwrap();
                    self.tokens.insert(to, t);
                    changed(self)
                }
            }
            Op::Renew { name: n } => {
                if self.tokens.contains_key(&name(n)) {
                    changed(self)
                } else {
                    3
                }
            }
            Op::Disable { name: n } | Op::Enable { name: n } => {
                let disable = matches!(op, Op::Disable { .. });
                match self.tokens.get_mut(&name(n)) {
                    None => 3,
                    Some(t) if t.disabled == disable => 0,
                    Some(t) => {
                        t.disabled = disable;
                        changed(self)
                    }
                }
            }
            Op::Delete { name: n } => {
                if self.tokens.remove(&name(n)).is_some() {
                    changed(self)
                } else {
                    3
                }
            }
            Op::PoolAdd { pool: p } => {
                let p = POOLS[*p].to_owned();
                if self.pools.contains(&p) {
                    4
                } else {
                    self.pools.push(p);
                    changed(self)
                }
            }
            Op::PoolRemove { pool: p } => {
                let p = POOLS[*p].to_owned();
                if !self.pools.contains(&p) {
                    3
                } else if self
                    .tokens
                    .values()
                    .any(|t| t.pool.as_deref() == Some(p.as_str()))
                {
                    4
                } else {
                    self.pools.retain(|q| *q != p);
                    changed(self)
                }
            }
        }
    }
}

fn args(op: &Op) -> Vec<String> {
    let s = |v: &[&str]| {
        v.iter()
            .map(std::string::ToString::to_string)
            .collect::<Vec<_>>()
    };
    match op {
        Op::New {
            name,
            pool,
            read_only,
        } => {
            let mut a = s(&["new", "--name", NAMES[*name]]);
            if let Some(p) = pool {
                a.extend(s(&["--pool", POOLS[*p]]));
            }
            if *read_only {
                a.push("--read-only".into());
            }
            a
        }
        Op::SetAccess { name, read_only } => s(&[
            "modify",
            NAMES[*name],
            if *read_only {
                "--read-only"
            } else {
                "--read-write"
            },
        ]),
        Op::SetPool {
            name,
            pool: Some(p),
        } => s(&["modify", NAMES[*name], "--pool", POOLS[*p]]),
        Op::SetPool { name, pool: None } => s(&["modify", NAMES[*name], "--no-pool"]),
        Op::Rename { name, to } => s(&["modify", NAMES[*name], "--name", NAMES[*to]]),
        Op::Renew { name } => s(&["renew", NAMES[*name], "--yes"]),
        Op::Disable { name } => s(&["disable", NAMES[*name]]),
        Op::Enable { name } => s(&["enable", NAMES[*name]]),
        Op::Delete { name } => s(&["delete", NAMES[*name], "--yes"]),
        Op::PoolAdd { pool } => s(&["pool", "add", POOLS[*pool]]),
        Op::PoolRemove { pool } => s(&["pool", "remove", POOLS[*pool]]),
    }
}

/// The binary's view, projected onto what the model knows.
fn observed(env: &Env) -> (BTreeMap<String, Tok>, usize) {
    if !env.store_exists() {
        return (BTreeMap::new(), 0);
    }
    let list = env.json(&["list"]);
    let tokens = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                Tok {
                    pool: t["pool"].as_str().map(str::to_owned),
                    read_only: t["access"] == "read-only",
                    disabled: t["status"] == "disabled",
                },
            )
        })
        .collect();
    let log = env.json(&["log"]);
    (tokens, log.as_array().map_or(0, Vec::len))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_binary_behaves_like_the_model(ops in proptest::collection::vec(op(), 1..24)) {
        let env = Env::new();
        let mut model = Model::default();
        for op in &ops {
            let a = args(op);
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let out = env.run(&a);
            let expected = model.apply(op);
            prop_assert_eq!(
                out.status.code(), Some(expected),
                "{:?}: {}", op, String::from_utf8_lossy(&out.stderr)
            );
            let (tokens, log_len) = observed(&env);
            prop_assert_eq!(&tokens, &model.tokens, "after {:?}", op);
            prop_assert_eq!(log_len, model.log_entries, "log after {:?}", op);
        }
        if env.store_exists() {
            env.ok(&["log", "verify"]);
        }
    }
}
