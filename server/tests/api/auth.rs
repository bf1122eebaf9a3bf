use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;
use shared::api::Role;

#[tokio::test]
async fn login_sets_an_http_only_lax_cookie_and_me_answers() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    app.account(agency, "a@x.fr", Role::Advisor).await;
    let anon = anonymous(&app);
    let r = anon
        .post("/auth/login", &json!({"email": " A@X.fr ", "password": PASSWORD}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.starts_with("tournee_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"));
    let (status, me) = body(anon.get("/auth/me").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "a@x.fr");
    assert_eq!(me["role"], "advisor");
    assert_eq!(me["agency_name"], "Agence");
}

#[tokio::test]
async fn cookies_are_secure_when_configured_for_https() {
    let app = spawn_app_with(|c| c.secure_cookies = true).await;
    let agency = app.agency("Agence").await;
    app.account(agency, "a@x.fr", Role::Advisor).await;
    let r = anonymous(&app)
        .post("/auth/login", &json!({"email": "a@x.fr", "password": PASSWORD}))
        .await;
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("; Secure"));
    // Over https the browser keeps it only as sent: Secure, Path=/, no Domain.
    assert!(cookie.starts_with("__Host-tournee_session=") && cookie.contains("; Path=/") && !cookie.contains("Domain"));
    let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let me = reqwest::Client::new()
        .get(format!("{}/api/v1/auth/me", app.url))
        .header("cookie", format!("__Host-tournee_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the __Host- cookie signs in");
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_401() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    app.user(agency, "known@x.fr", Role::Advisor).await;
    let anon = anonymous(&app);
    let (s1, b1) = body(
        anon.post("/auth/login", &json!({"email": "known@x.fr", "password": "nope"}))
            .await,
    )
    .await;
    let (s2, b2) = body(
        anon.post("/auth/login", &json!({"email": "ghost@x.fr", "password": "nope"}))
            .await,
    )
    .await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(b1, b2, "the answer does not tell whether the account exists");
    assert_eq!(b1["error"], "unauthorized");
}

#[tokio::test]
async fn the_eleventh_failed_login_in_a_minute_is_refused_with_retry_after() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    app.user(agency, "victim@x.fr", Role::Advisor).await;
    let anon = anonymous(&app);
    for _ in 0..10 {
        let r = anon
            .post("/auth/login", &json!({"email": "victim@x.fr", "password": "guess"}))
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = anon
        .post("/auth/login", &json!({"email": "victim@x.fr", "password": PASSWORD}))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry: u64 = r
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let (_, b) = body(r).await;
    assert_eq!(b["error"], "rate_limited");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    assert_eq!(
        u.post("/auth/logout", &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(u.get("/auth/me").await.status(), StatusCode::UNAUTHORIZED);
}

/// The same user signed in on a second device (a phone beside the laptop).
async fn second_device(user: &User) -> User {
    let phone = User {
        client: new_client(),
        ..user.clone()
    };
    let r = phone
        .post("/auth/login", &json!({"email": user.email, "password": PASSWORD}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    phone
}

/// The id of the user's one session other than the caller's.
async fn other_session(user: &User) -> String {
    let (_, sessions) = body(user.get("/auth/sessions").await).await;
    let sessions = sessions.as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    other["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn revoking_a_lost_phone_session_cuts_it_off_at_once() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let laptop = app.user(agency, "a@x.fr", Role::Advisor).await;
    let phone = second_device(&laptop).await;
    let id = other_session(&laptop).await;
    assert_eq!(
        laptop.delete(&format!("/auth/sessions/{id}")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(phone.get("/auth/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.get("/auth/me").await.status(), StatusCode::OK);
    // Someone else's session id is not found, not revoked.
    let stranger = app.user(agency, "b@x.fr", Role::Advisor).await;
    let (_, mine) = body(laptop.get("/auth/sessions").await).await;
    let mine = mine[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        stranger.delete(&format!("/auth/sessions/{mine}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(laptop.get("/auth/me").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_forged_cookie_is_unauthorized() {
    let app = spawn_app().await;
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/auth/me", app.url))
        .header("cookie", "tournee_session=forged-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cross_site_writes_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let u = app.user(agency, "a@x.fr", Role::Advisor).await;
    let r = u
        .client
        .post(format!("{}/api/v1/contacts", app.url))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .json(&contact("csrf"))
        .send()
        .await
        .unwrap();
    let (status, b) = body(r).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(b["error"], "forbidden");
    assert_eq!(app.store.count_contacts(agency).await.unwrap(), 0);
    // The same request from the app's own origin goes through.
    let r = u
        .client
        .post(format!("{}/api/v1/contacts", app.url))
        .header("sec-fetch-site", "same-origin")
        .json(&contact("csrf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

/// The login page's form, sent before the page's code has loaded: a plain form post.
async fn post_login_form(app: &TestApp, client: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
    client
        .post(format!("{}/login", app.url))
        .header("sec-fetch-site", "same-origin")
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// A browser that keeps its cookies and shows us the redirects instead of following them.
fn form_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(r: &reqwest::Response) -> &str {
    r.headers().get("location").unwrap().to_str().unwrap()
}

#[tokio::test]
async fn the_login_form_works_without_the_page_code_and_says_why_it_refuses() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    app.account(agency, "a@x.fr", Role::Advisor).await;
    let client = form_client();

    let r = post_login_form(&app, &client, &[("email", "a@x.fr"), ("password", "wrong")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?erreur=identifiants");
    assert!(r.headers().get("set-cookie").is_none());
    let r = post_login_form(&app, &client, &[("email", "a@x.fr")]).await;
    assert_eq!(location(&r), "/login?erreur=identifiants", "a missing field is refused");
    let r = client
        .post(format!("{}/login", app.url))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%\u{0}=&&=")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "garbage is refused, not a 500");
    // The error the server names is shown by the page.
    let page = client
        .get(format!("{}/login?erreur=identifiants", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("E-mail ou mot de passe incorrect."));

    let r = post_login_form(&app, &client, &[("email", " A@x.fr"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        "/?connexion",
        "Today, telling the page's code to check whose phone it is"
    );
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("tournee_session=") && cookie.contains("HttpOnly"));
    let r = client.get(format!("{}/api/v1/auth/me", app.url)).send().await.unwrap();
    let (status, me) = body(r).await;
    assert_eq!((status, me["email"].as_str()), (StatusCode::OK, Some("a@x.fr")));
}

#[tokio::test]
async fn the_login_form_shares_the_rate_limit_and_refuses_other_sites() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    app.account(agency, "victim@x.fr", Role::Advisor).await;
    let client = form_client();
    let r = client
        .post(format!("{}/login", app.url))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", "victim@x.fr"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "login CSRF is refused");
    assert!(r.headers().get("set-cookie").is_none());

    for _ in 0..10 {
        let r = post_login_form(&app, &client, &[("email", "victim@x.fr"), ("password", "guess")]).await;
        assert_eq!(location(&r), "/login?erreur=identifiants");
    }
    let r = anonymous(&app)
        .post("/auth/login", &json!({"email": "victim@x.fr", "password": PASSWORD}))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the form's failures count for the API too"
    );
    let r = post_login_form(&app, &client, &[("email", "victim@x.fr"), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/login?erreur=attente");
    assert!(r.headers().get("retry-after").is_some());
    assert!(r.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn a_flood_of_parallel_logins_is_cut_at_the_limit() {
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    app.account(agency, "victim@x.fr", Role::Advisor).await;
    let tries: Vec<_> = (0..200)
        .map(|_| {
            let anon = anonymous(&app);
            tokio::spawn(async move {
                anon.post("/auth/login", &json!({"email": "victim@x.fr", "password": "guess"}))
                    .await
                    .status()
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::new();
    for t in tries {
        *statuses.entry(t.await.unwrap().as_u16()).or_insert(0) += 1;
    }
    let unauthorized = statuses.get(&401).copied().unwrap_or(0);
    let limited = statuses.get(&429).copied().unwrap_or(0);
    assert!(
        unauthorized <= 10,
        "at most the limit reach the password check: {statuses:?}"
    );
    assert_eq!(unauthorized + limited, 200, "nothing but 401 and 429: {statuses:?}");
}

#[tokio::test]
async fn strangers_elsewhere_cannot_lock_a_user_out_behind_a_trusted_proxy() {
    let app = spawn_app_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let agency = app.agency("Agence").await;
    app.account(agency, "victim@x.fr", Role::Advisor).await;
    let login = |ip: String, password: &'static str| {
        let client = new_client();
        let url = format!("{}/api/v1/auth/login", app.url);
        async move {
            client
                .post(url)
                .header("x-forwarded-for", ip)
                .json(&json!({"email": "victim@x.fr", "password": password}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for i in 0..10 {
        assert_eq!(
            login(format!("198.51.100.{i}"), "guess").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login("203.0.113.7".into(), PASSWORD).await,
        StatusCode::OK,
        "the real user, from their own address"
    );
    // One address that keeps guessing is stopped.
    for _ in 0..10 {
        login("198.51.100.99".into(), "guess").await;
    }
    assert_eq!(
        login("198.51.100.99".into(), "guess").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_phone_is_told_why_its_session_ended() {
    // The phone erases its replica on `session_revoked` and `user_disabled`, and keeps it for
    // the same user's next login on a plain `unauthorized` or `session_expired`.
    let app = spawn_app().await;
    let agency = app.agency("Agence").await;
    let laptop = app.user(agency, "a@x.fr", Role::Advisor).await;
    let phone = second_device(&laptop).await;
    let other = other_session(&laptop).await;
    laptop.delete(&format!("/auth/sessions/{other}")).await;
    let (status, b) = body(phone.get("/sync/pull?cursor=0").await).await;
    assert_eq!(
        (status, b["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("session_revoked"))
    );

    app.store
        .set_user_disabled(laptop.id, true, chrono::Utc::now())
        .await
        .unwrap();
    let (status, b) = body(laptop.get("/sync/pull?cursor=0").await).await;
    assert_eq!(
        (status, b["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("user_disabled"))
    );

    let (status, b) = body(anonymous(&app).get("/sync/pull?cursor=0").await).await;
    assert_eq!(
        (status, b["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
}
