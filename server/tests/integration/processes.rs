//! Real server processes for the tests that need them: `server serve` instances signed in as the
//! first user, a verification client for one, and a PostgreSQL server of a test's own.

use crate::support;

use app::api_keys::server_fns::{CreateKey, SetKeyEnabled};
use app::api_keys::{CreatedKey, NewKey, Permission};
use leptos::server_fn::ServerFn;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const SERVER: &str = env!("CARGO_BIN_EXE_server");
/// The bound for a change to reach every instance.
pub(crate) const PROPAGATION: Duration = Duration::from_secs(1);

/// The first user's password on the test databases.
pub(crate) const ADMIN_PASSWORD: &str = "multi-instance test password";

/// A `server serve` process, killed when dropped.
pub(crate) struct Instance {
    child: Child,
    pub(crate) base: String,
    /// The signed-in session cookie the console calls carry.
    pub(crate) cookie: String,
}

impl Instance {
    pub(crate) async fn start(database_url: &str) -> Instance {
        Instance::start_with(database_url, &[]).await
    }

    /// [`Instance::start`] with more command-line options.
    pub(crate) async fn start_with(database_url: &str, options: &[&str]) -> Instance {
        let port = free_port();
        let child = Command::new(SERVER)
            .args(["--database-url", database_url, "--addr", &format!("127.0.0.1:{port}")])
            .args(options)
            .arg("serve")
            .env("RUST_LOG", "warn")
            .env("KEYDESK_INITIAL_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("KEYDESK_SECRETS_KEY", support::SECRETS_KEY)
            .stdout(Stdio::null())
            .spawn()
            .expect("start the server");
        let mut instance = Instance { child, base: format!("http://127.0.0.1:{port}"), cookie: String::new() };
        let started = Instant::now();
        while reqwest::get(format!("{}/healthz", instance.base)).await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "the server did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        instance.cookie = instance.sign_in().await;
        instance
    }

    /// Signs in as the first user through the form, and returns the session cookie.
    async fn sign_in(&self) -> String {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let response = client
            .post(format!("{}/login", self.base))
            .form(&[("username", "admin"), ("password", ADMIN_PASSWORD), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
        let set_cookie = response.headers().get("set-cookie").expect("a session cookie").to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_owned()
    }

    pub(crate) async fn call(&self, path: &str, body: Value) -> reqwest::Response {
        let client = reqwest::Client::new();
        let request = client.post(format!("{}{path}", self.base)).header("cookie", &self.cookie).json(&body);
        request.send().await.expect("the server answers")
    }

    /// The status of the API Keys page for a browser with `cookie`.
    pub(crate) async fn page_status(&self, cookie: &str) -> reqwest::StatusCode {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let request = client.get(format!("{}/provisioning/api-keys", self.base)).header("cookie", cookie);
        request.send().await.unwrap().status()
    }

    pub(crate) async fn create(&self, name: &str) -> CreatedKey {
        let new = NewKey { name: name.into(), permission: Permission::Chat, ..NewKey::blank() };
        let response = self.call(CreateKey::PATH, json!({ "new": new })).await;
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.unwrap()
    }

    pub(crate) async fn set_enabled(&self, key: &CreatedKey, enabled: bool) {
        let response = self.call(SetKeyEnabled::PATH, json!({ "id": key.key.id, "enabled": enabled })).await;
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// Waits until the instance follows the database's changes (`/readyz` says `in_sync`): an
    /// instance that started listening after a change was made covers it with its first full
    /// load, not with that change's own event.
    pub(crate) async fn until_in_sync(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let body = match reqwest::get(format!("{}/readyz", self.base)).await {
                Ok(response) => response.json::<Value>().await.ok(),
                Err(_) => None,
            };
            if body.is_some_and(|body| body["verification"]["in_sync"] == true) {
                return;
            }
            assert!(Instant::now() < deadline, "{} never followed the database", self.base);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn ready(&self) -> bool {
        let response = reqwest::get(format!("{}/readyz", self.base)).await;
        response.is_ok_and(|r| r.status().is_success())
    }
}

impl Instance {
    /// Stops the process as an orchestrator does (SIGTERM), and waits for it to finish.
    pub(crate) fn terminate(&mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
        assert!(status.success());
        let exit = self.child.wait().expect("the server exits");
        assert!(exit.success(), "a graceful stop exits cleanly: {exit}");
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A verification client for one instance, with a service token.
#[derive(Clone)]
pub(crate) struct Channel {
    pub(crate) client: reqwest::Client,
    pub(crate) url: String,
    pub(crate) token: String,
}

impl Channel {
    pub(crate) fn new(instance: &Instance, token: &str) -> Channel {
        Channel {
            client: reqwest::Client::new(),
            url: format!("{}/api/v1/keys/verify", instance.base),
            token: token.to_owned(),
        }
    }

    /// `Ok(())` if the key is valid for chat, else the refusal's code (or the HTTP status of an
    /// answer without one).
    pub(crate) async fn verify(&self, key: &CreatedKey) -> Result<(), String> {
        let response = self
            .client
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&json!({ "key": key.secret.expose(), "permission": "chat" }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let verdict: Value = response.json().await.unwrap_or_default();
        match verdict["code"].as_str() {
            _ if status.is_success() && verdict["valid"] == true => Ok(()),
            Some(code) => Err(code.to_owned()),
            None => Err(status.to_string()),
        }
    }

    /// Waits until `key`'s verdict is `expected`; returns how long that took.
    pub(crate) async fn until(&self, key: &CreatedKey, expected: Result<(), &str>, limit: Duration) -> Duration {
        let started = Instant::now();
        loop {
            let verdict = self.verify(key).await;
            if verdict.as_ref().map(|_| ()).map_err(String::as_str) == expected {
                return started.elapsed();
            }
            assert!(started.elapsed() < limit, "still {verdict:?} after {limit:?}, expected {expected:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A PostgreSQL server of the test's own, on a free port, removed when dropped.
pub(crate) struct ThrowawayPostgres {
    dir: PathBuf,
    port: u16,
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

impl ThrowawayPostgres {
    pub(crate) fn init() -> Option<ThrowawayPostgres> {
        if !Path::new(PG_BIN).join("initdb").exists() {
            support::skip_or_fail("PostgreSQL's server binaries are not installed");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("keydesk-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let pg = ThrowawayPostgres { dir, port: free_port() };
        if as_root() {
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&pg.dir).status().unwrap();
            assert!(status.success());
        }
        let data = pg.dir.join("data");
        pg.run("initdb", &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "postgres", "--no-sync"]);
        pg.start();
        Some(pg)
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub(crate) fn start(&self) {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.dir.display());
        let data = self.dir.join("data");
        let log = self.dir.join("log");
        self.run("pg_ctl", &["-D", data.to_str().unwrap(), "-o", &options, "-l", log.to_str().unwrap(), "-w", "start"]);
    }

    pub(crate) fn stop(&self) {
        let data = self.dir.join("data");
        self.run("pg_ctl", &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"]);
    }

    fn run(&self, program: &str, args: &[&str]) {
        let program = Path::new(PG_BIN).join(program);
        let mut command = if as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        let output = command.args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = Command::new(if as_root() { "runuser" } else { "true" })
            .args(if as_root() { vec!["-u", "postgres", "--"] } else { vec![] })
            .arg(Path::new(PG_BIN).join("pg_ctl"))
            .args(["-D", data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// initdb refuses to run as root; as root, the PostgreSQL tools run as the `postgres` user.
fn as_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}
