//! How many times a command waits for PostgreSQL: a relay between the
//! real binary and the test server counts the client's waits (each simple
//! query and each Sync of the extended protocol is one round trip). On a
//! fresh connection every wait costs a cold backend a millisecond or so:
//! the budget below is part of what makes a command as quick as on SQLite
//! (issue 26), and a change that adds a statement fails here.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use crate::{Env, Pg};

/// The statements of each wait, in order: what a failure shows.
type Waits = Arc<Mutex<Vec<String>>>;

/// Relays connections to the test server, counting the client's waits.
struct Relay {
    port: u16,
    waits: Waits,
}

impl Relay {
    fn start() -> Relay {
        let host = std::env::var("PGHOST").expect("PGHOST");
        let port = std::env::var("PGPORT").unwrap_or_else(|_| "5432".into());
        let server = format!("{host}:{port}");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let relay = Relay {
            port: listener.local_addr().unwrap().port(),
            waits: Arc::default(),
        };
        let waits = relay.waits.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let client = client.unwrap();
                let server = TcpStream::connect(&server).unwrap();
                let (mut back_from, mut back_to) =
                    (server.try_clone().unwrap(), client.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut back_from, &mut back_to);
                    let _ = back_to.shutdown(Shutdown::Write);
                });
                let waits = waits.clone();
                std::thread::spawn(move || count_and_forward(client, server, &waits));
            }
        });
        relay
    }

    /// The waits since the last call, each as the SQL sent before it.
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.waits.lock().unwrap())
    }
}

/// Forward the client's messages, counting 'Q' (a simple query) and 'S'
/// (Sync: the end of an extended-protocol batch): each is answered before
/// the client goes on. The startup message has no type byte.
fn count_and_forward(mut from: TcpStream, mut to: TcpStream, waits: &Waits) {
    let _ = relay_messages(&mut from, &mut to, waits);
    let _ = to.shutdown(Shutdown::Write);
}

/// One message: its header (a type byte or none, and the length, which
/// counts itself) and its body; returns the type and the body.
fn relay_one(from: &mut TcpStream, to: &mut TcpStream, typed: bool) -> Option<(u8, Vec<u8>)> {
    let mut header = [0; 5];
    let header = if typed {
        &mut header[..]
    } else {
        &mut header[1..]
    };
    from.read_exact(header).ok()?;
    let length = u32::from_be_bytes(header[header.len() - 4..].try_into().unwrap());
    let mut body = vec![0; (length as usize).checked_sub(4)?];
    from.read_exact(&mut body).ok()?;
    to.write_all(header).ok()?;
    to.write_all(&body).ok()?;
    Some((if typed { header[0] } else { 0 }, body))
}

fn relay_messages(from: &mut TcpStream, to: &mut TcpStream, waits: &Waits) -> Option<()> {
    relay_one(from, to, false)?;
    let mut sql = String::new();
    loop {
        let (kind, body) = relay_one(from, to, true)?;
        // Parse: a statement name, then the SQL; Query: the SQL.
        let text = match kind {
            b'P' => body.split(|b| *b == 0).nth(1),
            b'Q' => body.split(|b| *b == 0).next(),
            _ => None,
        };
        if let Some(text) = text {
            let text = String::from_utf8_lossy(text);
            sql.push_str(&text.split_whitespace().collect::<Vec<_>>().join(" "));
            sql.push_str(" | ");
        }
        if matches!(kind, b'Q' | b'S') {
            waits.lock().unwrap().push(std::mem::take(&mut sql));
        }
    }
}

#[test]
fn commands_wait_for_postgresql_no_more_than_their_budget() {
    let Some(pg) = Pg::new("commands_wait_for_postgresql_no_more_than_their_budget") else {
        return;
    };
    let relay = Relay::start();
    let mut env = Env::sqlite();
    let (host_port, rest) = pg.url["postgres://".len()..]
        .split_once('/')
        .expect("a URL with a path");
    let user = host_port.split_once('@').expect("a user").0;
    env.db = format!("postgres://{user}@127.0.0.1:{}/{rest}", relay.port).into();
    env.ok(&["pool", "add", "plant-a"]);
    let t = env.new_token("ci", &["--pool", "plant-a"]);
    // Its first use of the day is written; the one measured is not.
    assert!(
        env.run_stdin(&["verify"], &format!("{t}\n"))
            .status
            .success()
    );
    relay.take();
    // (command, stdin, waits). A read checks the schema's version first; a
    // write reads it, BEGINs, takes its lock and reads the policy in one
    // wait, and its COMMIT is another; the rest is one wait a statement.
    let budget: [(&[&str], &str, usize); 6] = [
        // open (with the schema's version row), is the prefix new, is the
        // name, the pool, insert returning the token, log, commit
        (&["new", "--name", "b", "--pool", "plant-a"], "", 7),
        // schema, the lookup (last_used was written today already)
        (&["verify"], &t, 2),
        // open, resolve, update returning the token, log, commit
        (&["modify", "b", "--read-only"], "", 5),
        // open, resolve, disable (its access tokens and an old secret's
        // grace end in the same statement), log, commit
        (&["disable", "b"], "", 5),
        // schema, BEGIN, the pools (is there a Device Pool column), the
        // tokens, COMMIT
        (&["list", "--format", "json"], "", 5),
        // the same, and the name's suggestions read nothing more
        (&["show", "ci"], "", 4),
    ];
    for (args, stdin, most) in &budget {
        let out = env.run_stdin(args, &format!("{stdin}\n"));
        assert!(out.status.success(), "{args:?}: {out:?}");
        let waits = relay.take();
        assert!(
            waits.len() <= *most,
            "{args:?} waited {} times (budget {most}):\n{}",
            waits.len(),
            waits.join("\n")
        );
    }
}
