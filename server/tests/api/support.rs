//! Test support: a real server on 127.0.0.1:0 with a fresh database per test — a SQLite file,
//! or a new PostgreSQL database when `TOURNEE_TEST_POSTGRES_URL` names a server.

#![allow(dead_code)]

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use shared::api::Role;
use std::path::PathBuf;
use tournee_server::config::Config;
use tournee_server::db::{self, DynStore, NewUser};
use tournee_server::state::AppState;
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub url: String,
    pub database_url: String,
    pub store: DynStore,
    _dir: Option<TempDir>,
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh, migrated database URL for one test.
pub async fn fresh_database() -> (String, Option<TempDir>) {
    match std::env::var("TOURNEE_TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            use sqlx::Connection;
            let name = format!("tournee_test_{}", Uuid::now_v7().simple());
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("connect to the test PostgreSQL server");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
            (format!("{base}/{name}"), None)
        }
        Err(_) => {
            let dir = std::env::temp_dir().join(format!("tournee-test-{}", Uuid::now_v7().simple()));
            std::fs::create_dir_all(&dir).unwrap();
            (format!("sqlite://{}", dir.join("t.db").display()), Some(TempDir(dir)))
        }
    }
}

pub async fn store() -> (DynStore, Option<TempDir>) {
    let (url, dir) = fresh_database().await;
    (db::connect(&url).await.expect("open store"), dir)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let (url, dir) = fresh_database().await;
    let store = db::connect(&url).await.expect("open store");
    let mut config = Config {
        database_url: url,
        ..Config::default()
    };
    configure(&mut config);
    let mut app = spawn_app_on(store, config).await;
    app._dir = dir;
    app
}

/// Serves an already opened store (a test that opens it with options of its own keeps its
/// database directory itself).
pub async fn spawn_app_on(store: DynStore, config: Config) -> TestApp {
    let database_url = config.database_url.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::open(store.clone(), config).await.unwrap();
    tokio::spawn(async move {
        let app = tournee_server::web::router(state);
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp {
        url: format!("http://{addr}"),
        database_url,
        store,
        _dir: None,
    }
}

/// A signed-in (or anonymous) HTTP client.
#[derive(Clone)]
pub struct User {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub email: String,
    pub client: Client,
    pub base: String,
}

pub fn anonymous(app: &TestApp) -> User {
    User {
        id: Uuid::nil(),
        agency_id: Uuid::nil(),
        email: String::new(),
        client: new_client(),
        base: app.url.clone(),
    }
}

pub fn new_client() -> Client {
    Client::builder().cookie_store(true).build().unwrap()
}

impl TestApp {
    pub async fn agency(&self, name: &str) -> Uuid {
        self.store.create_agency(name).await.unwrap().id
    }

    /// Creates an account with [`PASSWORD`], without signing it in.
    pub async fn account(&self, agency_id: Uuid, email: &str, role: Role) -> tournee_server::db::User {
        let hash = tournee_server::auth::password::hash_blocking(PASSWORD).unwrap();
        let display_name = email.split('@').next().unwrap().into();
        self.store
            .create_user(NewUser {
                agency_id,
                email: email.into(),
                display_name,
                role,
                password_hash: hash,
            })
            .await
            .unwrap()
    }

    /// Creates an account and signs it in.
    pub async fn user(&self, agency_id: Uuid, email: &str, role: Role) -> User {
        let u = self.account(agency_id, email, role).await;
        let user = User {
            id: u.id,
            agency_id,
            email: email.into(),
            client: new_client(),
            base: self.url.clone(),
        };
        let r = user
            .post("/auth/login", &json!({"email": email, "password": PASSWORD}))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "login of {email}");
        user
    }
}

/// A user of the demo agency, signed in with the demo's password.
pub async fn demo_user(app: &TestApp, email: &str) -> User {
    let user = User {
        id: Uuid::nil(),
        agency_id: Uuid::nil(),
        email: email.into(),
        client: new_client(),
        base: app.url.clone(),
    };
    let r = user
        .post(
            "/auth/login",
            &json!({"email": email, "password": tournee_server::demo::PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "login of {email}");
    user
}

/// The cast of the authorization tests.
pub struct Cast {
    pub owner: User,
    pub colleague: User,
    pub manager: User,
    pub foreign: User,
    pub foreign_manager: User,
    pub anonymous: User,
}

pub async fn cast(app: &TestApp) -> Cast {
    let a = app.agency("Agence A").await;
    let b = app.agency("Agence B").await;
    Cast {
        owner: app.user(a, "owner@a.fr", Role::Advisor).await,
        colleague: app.user(a, "colleague@a.fr", Role::Advisor).await,
        manager: app.user(a, "manager@a.fr", Role::Manager).await,
        foreign: app.user(b, "advisor@b.fr", Role::Advisor).await,
        foreign_manager: app.user(b, "manager@b.fr", Role::Manager).await,
        anonymous: anonymous(app),
    }
}

impl User {
    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).json(body).send().await.unwrap()
    }
    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.client.put(self.url(path)).json(body).send().await.unwrap()
    }
    pub async fn delete(&self, path: &str) -> Response {
        self.client.delete(self.url(path)).send().await.unwrap()
    }
    pub async fn raw(&self, method: reqwest::Method, path: &str, content_type: &str, body: &str) -> Response {
        self.client
            .request(method, self.url(path))
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    /// Creates a contact and returns its JSON.
    pub async fn create_contact(&self, body: Value) -> Value {
        let r = self.post("/contacts", &body).await;
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v
    }
}

/// A minimal valid contact, unique by `tag`.
pub fn contact(tag: &str) -> Value {
    let n: u32 = tag.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) % 90_000_000;
    json!({"first_name": "Jeanne", "last_name": format!("Test {tag}"), "phone_mobile": format!("06{:08}", n), "postcode": "69003", "city": "Lyon"})
}

pub async fn body(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}
