//! The `amocrm-fake` binary's `--help` (everything its banner says, the `/_fake/*` routes,
//! the library) and the port a script reads: `port=N` on a line of its own, `--port-file`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use amocrm_fake::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, DEFAULT_TOKEN,
    DEFAULT_USER_TOKEN,
};

const BIN: &str = env!("CARGO_BIN_EXE_amocrm-fake");

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn help_names_the_seed_the_oauth_client_every_fake_route_and_the_library() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "amo_dropbox",
        "amo_mailchimp",
        "amo_asterisk",
        DEFAULT_TOKEN,
        DEFAULT_USER_TOKEN,
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        DEFAULT_REDIRECT_URI,
        "FakeServer::start()",
        "FakeServer::builder()",
        "port=N",
        "--port-file",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
    // Every route the fake serves under /_fake/, read from where they are routed.
    let admin = include_str!("../../src/admin.rs");
    let routes: Vec<&str> = admin
        .split(".route(")
        .skip(1)
        .filter_map(|rest| rest.trim_start().strip_prefix('"'))
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(routes.len() >= 8, "{routes:?}");
    for route in routes {
        assert!(
            help.contains(route),
            "--help lacks the route {route}:\n{help}"
        );
    }
}

/// Waits for the banner's `port=N` line; the lines before it.
fn port_line(child: &mut Running) -> (u16, Vec<String>) {
    let stdout = child.0.stdout.take().unwrap();
    let mut before = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(port) = line.strip_prefix("port=") {
            return (port.parse().expect("a port number alone"), before);
        }
        before.push(line);
    }
    panic!("no port= line after {before:?}");
}

#[test]
fn port_0_prints_the_port_on_a_line_of_its_own_and_writes_the_port_file() {
    let dir = std::env::temp_dir().join(format!("amocrm-fake-port-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fake.port");
    let _ = std::fs::remove_file(&file);
    let mut child = Running(
        Command::new(BIN)
            .args(["--port", "0", "--account", "acc1", "--port-file"])
            .arg(&file)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (port, before) = port_line(&mut child);
    assert_ne!(port, 0);
    assert!(
        before[0].starts_with(&format!(
            "amocrm-fake listening on http://127.0.0.1:{port} "
        )),
        "{before:?}"
    );
    // The banner is whole when the port line comes: the accounts are before it.
    assert!(
        before.iter().any(|l| l.starts_with("account acc1:")),
        "{before:?}"
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written, format!("{port}\n"));
    // The port is the one served.
    let answer = std::net::TcpStream::connect(("127.0.0.1", port));
    assert!(answer.is_ok(), "{answer:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unwritable_port_file_stops_the_server() {
    let out = Command::new(BIN)
        .args(["--port", "0", "--port-file", "/nonexistent-dir/x/fake.port"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write --port-file"), "{stderr}");
}
