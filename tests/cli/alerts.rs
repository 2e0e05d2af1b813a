//! The README's expiry alert (spec section 14), run by Prometheus's own
//! rule tests (`promtool test rules`) on the series serve's `/metrics`
//! really exports.

use crate::serve::{Serve, get, readme_block};
use crate::{Env, have_program};

/// Make promtool's absence a failure (CI sets it).
const REQUIRE: &str = "TOKENCTL_REQUIRE_PROMTOOL";

const DAY: i64 = 86_400;

/// A token ten days from its expiry is alerted on, one thirty days away
/// only once it is within two weeks, one that never expires never (nor
/// one that expired: serve exports active tokens only); the summary names
/// the token. promtool's clock starts at 0, taken to be ten days before
/// "soon" expires.
#[test]
fn the_readme_expiry_alert_fires_two_weeks_ahead() {
    if !have_program("promtool", REQUIRE, "the_readme_expiry_alert") {
        return;
    }
    let env = Env::new();
    env.new_token("soon", &["--expires", "10d"]);
    env.new_token("later", &["--expires", "30d"]);
    env.new_token("forever", &[]);
    let s = Serve::start(&env, &["--quiet"]);
    let metrics = get(s.port, "/metrics", &[]).body;
    let series: Vec<(&str, i64)> = metrics
        .lines()
        .filter(|l| l.starts_with("tokenctl_token_expiry_timestamp_seconds{"))
        .map(|l| {
            let (series, at) = l.rsplit_once(' ').unwrap();
            (series, at.parse().unwrap())
        })
        .collect();
    assert_eq!(series.len(), 2, "only tokens that expire: {metrics}");
    let at = |name: &str| {
        series
            .iter()
            .find(|(s, _)| s.contains(&format!("name=\"{name}\"")))
            .unwrap_or_else(|| panic!("{name}: {metrics}"))
            .1
    };
    let zero = at("soon") - 10 * DAY;
    // Each series holds its expiry (on promtool's clock) while the token
    // is active; an expired token is no longer exported.
    let input: String = series
        .iter()
        .map(|(s, at)| {
            let at = at - zero;
            format!(
                "      - series: '{s}'\n        values: '{at}x{}'\n",
                at / DAY - 1
            )
        })
        .collect();
    let prefix = |name: &str| env.token(name)["prefix"].as_str().unwrap().to_owned();
    let alert = |name: &str, left: &str| {
        format!(
            "          - exp_labels: {{severity: warning, name: {name}, prefix: '{p}'}}\n            exp_annotations:\n              summary: 'token {name} ({p}) expires {left} from now'\n",
            p = prefix(name)
        )
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rules.yml"),
        readme_block("yaml prometheus-rule"),
    )
    .unwrap();
    let tests = format!(
        "rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1d
    input_series:
{input}    alert_rule_test:
      - eval_time: 0d
        alertname: TokenExpiresSoon
        exp_alerts:
{soon}      - eval_time: 17d
        alertname: TokenExpiresSoon
        exp_alerts:
{later}",
        soon = alert("soon", &humanized(at("soon") - zero)),
        later = alert("later", &humanized(at("later") - zero - 17 * DAY)),
    );
    std::fs::write(dir.path().join("tests.yml"), &tests).unwrap();
    let out = std::process::Command::new("promtool")
        .args(["test", "rules", "tests.yml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}\n{tests}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Seconds of a day or more as Prometheus's `humanizeDuration` writes
/// them. The two tokens are made by two processes, which may fall in
/// different seconds: "later" is 30 days after "soon"'s base, or a second
/// more.
fn humanized(secs: i64) -> String {
    assert!(secs >= DAY, "{secs}");
    format!(
        "{}d {}h {}m {}s",
        secs / DAY,
        secs % DAY / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}
