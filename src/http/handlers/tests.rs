//! The handlers in-process, without a socket (axum's testing example):
//! a request built in memory goes through the route table to an answer.
//! What needs a socket (connection limits, slow clients, real proxies) is
//! in `tests/cli/serve*.rs`.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};

use crate::domain::model::Access;
use crate::http::State;
use crate::http::respond::Answer;
use crate::http::routes::route;
use crate::ops;
use crate::store::{Location, Open, Store};
use crate::verifier::{Options, Verifier};

use super::Line;

/// A store with pool `plant-a` and the read-only token `ci` in it, and the
/// state `serve` would run on.
struct Fixture {
    dir: tempfile::TempDir,
    state: Arc<State>,
    token: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::parse(dir.path().join("tokenctl.db"));
    let mut store = Store::open(&location, Open::Create).unwrap();
    let now = chrono::Utc::now();
    ops::pool::add(&mut store, "tester", "plant-a", now).unwrap();
    let (_, secret) = ops::issue::create(
        &mut store,
        "tester",
        &ops::issue::Wanted {
            pool: Some("plant-a".into()),
            ..ops::issue::Wanted::new("ci", Access::ReadOnly)
        },
        now,
        &|| Ok(()),
    )
    .unwrap();
    let verifier = Verifier::at(
        location,
        Options {
            cache_ttl: std::time::Duration::ZERO,
            max_hashing: 1,
            db_connections: 1,
        },
    )
    .unwrap();
    Fixture {
        dir,
        state: Arc::new(State::new(
            verifier,
            true,
            true,
            crate::http::default_trusted(),
        )),
        token: secret.to_string(),
    }
}

async fn send(state: &Arc<State>, req: Request<Full<Bytes>>) -> (Answer, Line) {
    send_from(state, req, None).await
}

async fn send_from(
    state: &Arc<State>,
    req: Request<Full<Bytes>>,
    client: Option<std::net::IpAddr>,
) -> (Answer, Line) {
    let mut line = Line::default();
    let answer = route(state, req, client, &mut line).await;
    (answer, line)
}

async fn body(answer: Answer) -> serde_json::Value {
    let bytes = answer.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}

fn get(uri: &str) -> hyper::http::request::Builder {
    Request::builder().method(Method::GET).uri(uri)
}

#[tokio::test]
async fn auth_answers_a_good_token_with_its_identity() {
    let f = fixture();
    let req = get("/auth?pool=plant-a")
        .header("authorization", format!("Bearer {}", f.token))
        .body(Full::default())
        .unwrap();
    let (answer, line) = send(&f.state, req).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let h = answer.headers();
    assert_eq!(h["x-tokenctl-name"], "ci");
    assert_eq!(h["x-tokenctl-pool"], "plant-a");
    assert_eq!(h["x-tokenctl-access"], "read-only");
    assert_eq!(line.prefix.as_deref(), Some(&f.token[4..12]));
    assert_eq!(line.reason, None);
}

#[tokio::test]
async fn what_a_token_may_not_do_is_403_and_who_it_is_not_401() {
    let f = fixture();
    let ask = |uri: &str, auth: String| {
        get(uri)
            .header("authorization", auth)
            .body(Full::default())
            .unwrap()
    };
    let token = &f.token;
    let (answer, line) = send(
        &f.state,
        ask("/auth?access=write", format!("Bearer {token}")),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert_eq!(line.reason, Some("access"));
    let (answer, line) = send(
        &f.state,
        ask("/auth?pool=plant-b", format!("Bearer {token}")),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert_eq!(line.reason, Some("pool"));
    let (answer, line) = send(&f.state, ask("/auth", format!("Basic {token}"))).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(line.reason, Some("malformed"));
    assert_eq!(line.prefix, None);
    assert!(answer.headers().contains_key("www-authenticate"));
    // A wrong secret under the real prefix: unknown, as an unknown prefix.
    let mut wrong = token.clone();
    wrong.replace_range(20..21, if &token[20..21] == "a" { "b" } else { "a" });
    let (answer, _) = send(&f.state, ask("/auth", format!("Bearer {wrong}"))).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn identity_headers_a_client_sends_count_for_nothing() {
    let f = fixture();
    let req = get("/auth")
        .header("x-tokenctl-name", "admin")
        .header("x-tokenctl-prefix", "Ab3dE9xQ")
        .header("x-forwarded-for", "10.0.0.1")
        .body(Full::default())
        .unwrap();
    let (answer, line) = send(&f.state, req).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert!(!answer.headers().contains_key("x-tokenctl-name"));
    assert_eq!(line.reason, Some("malformed"));
    // A requirement header that is not understood fails closed.
    let req = get("/auth")
        .header("authorization", format!("Bearer {}", f.token))
        .header("x-tokenctl-access", "read-write")
        .body(Full::default())
        .unwrap();
    let (answer, _) = send(&f.state, req).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn verify_takes_a_form_body_and_only_post() {
    let f = fixture();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/verify")
        .body(Full::new(Bytes::from(format!("t2mtoken={}", f.token))))
        .unwrap();
    let (answer, _) = send(&f.state, req).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let json = body(answer).await;
    assert_eq!(json["valid"], true);
    assert_eq!(json["name"], "ci");
    // A token in a URL is never asked for: GET is refused before any check.
    let req = get(&format!("/v1/verify?t2mtoken={}", f.token))
        .body(Full::default())
        .unwrap();
    let (answer, line) = send(&f.state, req).await;
    assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.headers()["allow"], "POST");
    assert_eq!(line.prefix, None);
}

#[tokio::test]
async fn a_body_over_16_kib_is_413() {
    let f = fixture();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/verify")
        .body(Full::new(Bytes::from(vec![b'x'; 17 * 1024])))
        .unwrap();
    let (answer, _) = send(&f.state, req).await;
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn exchange_gives_an_access_token_that_auth_accepts() {
    let f = fixture();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/exchange?ttl=30m")
        .header("authorization", format!("Bearer {}", f.token))
        .body(Full::default())
        .unwrap();
    let (answer, _) = send(&f.state, req).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["cache-control"], "no-store");
    let json = body(answer).await;
    assert_eq!(json["token_type"], "Bearer");
    let access = json["access_token"].as_str().unwrap().to_owned();
    let req = get("/auth")
        .header("authorization", format!("Bearer {access}"))
        .body(Full::default())
        .unwrap();
    let (answer, _) = send(&f.state, req).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["x-tokenctl-name"], "ci");
    // A TTL over a day is a bad request, before any check.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/exchange?ttl=25h")
        .header("authorization", format!("Bearer {}", f.token))
        .body(Full::default())
        .unwrap();
    let (answer, _) = send(&f.state, req).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn health_metrics_and_unknown_paths() {
    let f = fixture();
    let (answer, _) = send(&f.state, get("/healthz").body(Full::default()).unwrap()).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let (answer, _) = send(&f.state, get("/metrics").body(Full::default()).unwrap()).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let (answer, _) = send(&f.state, get("/nope").body(Full::default()).unwrap()).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
}

/// A store with the token `bound`, usable from 192.0.2.0/24 only, at most
/// twice a minute; the state `serve` runs on and the secret.
fn bound_fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::parse(dir.path().join("tokenctl.db"));
    let mut store = Store::open(&location, Open::Create).unwrap();
    let (_, secret) = ops::issue::create(
        &mut store,
        "tester",
        &ops::issue::Wanted {
            allowed_from: vec!["192.0.2.0/24".parse().unwrap()],
            rate: Some(crate::domain::binding::Rate::parse("2/1m").unwrap()),
            ..ops::issue::Wanted::new("bound", Access::ReadWrite)
        },
        chrono::Utc::now(),
        &|| Ok(()),
    )
    .unwrap();
    let verifier = Verifier::at(location, Options::default()).unwrap();
    Fixture {
        dir,
        state: Arc::new(State::new(
            verifier,
            true,
            true,
            crate::http::default_trusted(),
        )),
        token: secret.to_string(),
    }
}

#[tokio::test]
async fn a_bound_token_is_good_from_its_blocks_and_refused_elsewhere_or_unknown() {
    let f = bound_fixture();
    let ask = || {
        get("/auth")
            .header("authorization", format!("Bearer {}", f.token))
            .body(Full::default())
            .unwrap()
    };
    let inside = Some("192.0.2.7".parse().unwrap());
    let (answer, _) = send_from(&f.state, ask(), inside).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let (answer, line) = send_from(&f.state, ask(), Some("198.51.100.1".parse().unwrap())).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert_eq!(line.reason, Some("address"));
    let (answer, line) = send_from(&f.state, ask(), None).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert_eq!(line.reason, Some("address"));
}

#[tokio::test]
async fn over_its_rate_a_token_is_429_with_retry_after() {
    let f = bound_fixture();
    let inside = Some("192.0.2.7".parse().unwrap());
    let ask = || {
        get("/auth")
            .header("authorization", format!("Bearer {}", f.token))
            .body(Full::default())
            .unwrap()
    };
    for _ in 0..2 {
        let (answer, _) = send_from(&f.state, ask(), inside).await;
        assert_eq!(answer.status(), StatusCode::OK);
    }
    let (answer, line) = send_from(&f.state, ask(), inside).await;
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(line.reason, Some("rate"));
    let wait: u64 = answer.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(body(answer).await["reason"], "rate");
    // A refused check does not count: the address is refused before the rate.
    let (answer, line) = send_from(&f.state, ask(), Some("198.51.100.1".parse().unwrap())).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert_eq!(line.reason, Some("address"));
}

#[tokio::test]
async fn exchange_keeps_to_the_policys_max_access_ttl() {
    let f = fixture();
    {
        let location = Location::parse(f.dir.path().join("tokenctl.db"));
        let mut store = Store::open(&location, Open::Change).unwrap();
        ops::policy::set(
            &mut store,
            "tester",
            crate::domain::policy::Key::MaxAccessTtl,
            Some("30m"),
            None,
        )
        .unwrap();
    }
    let ask = |uri: &str| {
        Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("authorization", format!("Bearer {}", f.token))
            .body(Full::default())
            .unwrap()
    };
    let (answer, _) = send(&f.state, ask("/v1/exchange?ttl=1h")).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(
        body(answer).await["error"]
            .as_str()
            .unwrap()
            .contains("max-access-ttl 30m")
    );
    let (answer, _) = send(&f.state, ask("/v1/exchange")).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let expires_in = body(answer).await["expires_in"].as_i64().unwrap();
    assert!((1700..=1800).contains(&expires_in), "{expires_in}");
}

#[tokio::test]
async fn metrics_carry_each_active_tokens_expiry() {
    let f = fixture();
    let at = chrono::Utc::now() + chrono::Duration::days(10);
    let (made, _) = {
        let location = Location::parse(f.dir.path().join("tokenctl.db"));
        let mut store = Store::open(&location, Open::Change).unwrap();
        ops::issue::create(
            &mut store,
            "tester",
            &ops::issue::Wanted {
                expires_at: Some(Some(at)),
                ..ops::issue::Wanted::new("we\"ird\\name", Access::ReadOnly)
            },
            chrono::Utc::now(),
            &|| Ok(()),
        )
        .unwrap()
    };
    let (answer, _) = send(&f.state, get("/metrics").body(Full::default()).unwrap()).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let bytes = answer.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let line = format!(
        "tokenctl_token_expiry_timestamp_seconds{{name=\"we\\\"ird\\\\name\",prefix=\"{}\",pool=\"\"}} {}",
        made.prefix,
        at.timestamp()
    );
    assert!(text.contains(&line), "{line} not in\n{text}");
    assert!(text.contains("# TYPE tokenctl_token_expiry_timestamp_seconds gauge"));
    // A token that never expires has no series.
    assert!(!text.contains("name=\"ci\""), "{text}");
}
