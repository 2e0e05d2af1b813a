//! Output into a buffer, without a process.
use std::sync::Arc;

use super::*;

/// A writer whose bytes the test reads back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn token() -> Token {
    Token {
        name: "ci".into(),
        prefix: "Ab3dE9xQ".into(),
        pool: Some("plant-a".into()),
        ..Token::example()
    }
}

#[test]
fn a_piped_secret_is_the_token_alone() {
    let out = Captured::default();
    let secret = "tkc1Ab3dE9xQ0123456789abcdefghijABCDEFGHIJ000000";
    Output::to(Format::Table, out.clone())
        .secret(&token(), secret, "Created", Utc::now())
        .unwrap();
    assert_eq!(out.text(), format!("{secret}\n"));
}

#[test]
fn json_lists_stream_an_array_and_csv_keeps_its_header() {
    let now = Utc::now();
    let out = Captured::default();
    let t = token();
    Output::to(Format::Json, out.clone())
        .tokens(true, now, &mut |sink| sink(&t), "")
        .unwrap();
    let listed: Value = serde_json::from_str(&out.text()).unwrap();
    assert_eq!(listed[0]["name"], "ci");
    assert_eq!(listed[0]["pool"], "plant-a");
    let out = Captured::default();
    Output::to(Format::Csv, out.clone())
        .tokens(true, now, &mut |_| Ok(()), "")
        .unwrap();
    let text = out.text();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("name,prefix,"), "{text}");
}

#[test]
fn a_record_for_people_is_its_line() {
    let out = Captured::default();
    Output::to(Format::Table, out.clone())
        .record(&serde_json::json!({"ok": true}), "All well.")
        .unwrap();
    assert_eq!(out.text(), "All well.\n");
}
