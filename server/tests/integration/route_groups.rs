//! Every route of the built router carries its group's guard (see `server::http`). The routes
//! are listed from where the router takes them: the app's pages (`page_paths`), every
//! server function the binary defines (`server_fn_paths`), and the groups' own lists; so a new
//! page or server function is checked without anyone adding it here.

use crate::support;

use app::auth::Rights;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::Response;
use server::http::probes;
use server::http::site::{PUBLIC_PAGES, PUBLIC_SERVER_FNS, page_paths, server_fns};
use tower::ServiceExt;

/// One route: its method and a path that reaches it.
#[derive(Debug, Clone)]
struct Route {
    method: Method,
    path: String,
}

impl Route {
    fn new(method: Method, path: &str) -> Self {
        Route { method, path: path.to_owned() }
    }

    fn changes_state(&self) -> bool {
        !matches!(self.method, Method::GET | Method::HEAD)
    }

    fn request(&self, host: &str, cookie: Option<&str>, origin: Option<&str>) -> Request<Body> {
        let mut request = Request::builder()
            .method(self.method.clone())
            .uri(&self.path)
            .header(header::HOST, host)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        request.body(Body::from("{}")).unwrap()
    }
}

/// The console's routes that need a session: every page but sign-in, every server function but
/// `who_am_i`, and whatever else is asked for.
fn console_routes() -> Vec<Route> {
    let pages = page_paths()
        .iter()
        .filter(|path| !PUBLIC_PAGES.contains(&path.as_str()))
        .map(|path| Route::new(Method::GET, path));
    let server_fns = server_fns()
        .filter(|(path, _)| !PUBLIC_SERVER_FNS.contains(path))
        .map(|(path, method)| Route::new(method, path));
    let downloads =
        [Route::new(Method::GET, &server::usage::csv_export::PATH.replace("{id}", &uuid::Uuid::nil().to_string()))];
    let unknown = [Route::new(Method::GET, "/no/such/page"), Route::new(Method::POST, "/api/no_such_function")];
    pages.chain(server_fns).chain(downloads).chain(unknown).collect()
}

/// The console's routes that work signed out.
fn public_routes() -> Vec<Route> {
    let mut routes: Vec<Route> = PUBLIC_PAGES.iter().map(|path| Route::new(Method::GET, path)).collect();
    routes.extend(PUBLIC_SERVER_FNS.iter().map(|path| Route::new(Method::POST, path)));
    routes.extend([
        Route::new(Method::GET, "/"),
        Route::new(Method::POST, app::auth::LOGIN_PATH),
        Route::new(Method::POST, app::auth::LOGOUT_PATH),
        Route::new(Method::GET, app::FAVICON_PATH),
        Route::new(Method::GET, "/pkg/keydesk.js"),
    ]);
    routes
}

/// Routes for machines: the probes and the verification API.
fn machine_routes() -> Vec<Route> {
    let mut routes: Vec<Route> = probes::PATHS.iter().map(|path| Route::new(Method::GET, path)).collect();
    routes.extend([
        Route::new(Method::POST, "/api/v1/keys/verify"),
        Route::new(Method::GET, "/api/v1/channels/chat/ping"),
        Route::new(Method::GET, "/api/v1/openapi.json"),
        Route::new(Method::GET, "/api/v1/no-such-route"),
    ]);
    routes
}

async fn send(app: &axum::Router, request: Request<Body>) -> Response {
    app.clone().oneshot(request).await.unwrap()
}

#[tokio::test]
async fn every_route_carries_its_groups_guard() {
    let db = support::sqlite().await;
    let (app, _) = support::router_on(&db).await;
    let cookie = support::signed_in(&db, "ann", Rights::all()).await;
    let console = console_routes();
    assert!(console.len() > 8, "the list is not empty: {console:?}");

    for route in &console {
        // No session: a page goes to sign-in, anything else is refused.
        let answer = send(&app, route.request(support::LISTEN, None, Some(support::ORIGIN))).await;
        let to_sign_in = answer.status() == StatusCode::SEE_OTHER
            && answer.headers()[header::LOCATION].to_str().unwrap().starts_with("/login?next=");
        assert!(
            to_sign_in || answer.status() == StatusCode::UNAUTHORIZED,
            "{route:?} signed out answered {}",
            answer.status()
        );
    }
    for route in console.iter().chain(&public_routes()) {
        let other_host = send(&app, route.request("rebind.attacker.test", Some(&cookie), None)).await;
        assert_eq!(other_host.status(), StatusCode::MISDIRECTED_REQUEST, "{route:?} for another Host");
        if route.changes_state() {
            let forged = send(&app, route.request(support::LISTEN, Some(&cookie), Some("https://evil.example"))).await;
            assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{route:?} from another origin");
        }
    }
    for route in &machine_routes() {
        let answer = send(&app, route.request("verify.internal", None, Some("https://evil.example"))).await;
        assert!(
            ![StatusCode::MISDIRECTED_REQUEST, StatusCode::FORBIDDEN, StatusCode::SEE_OTHER].contains(&answer.status()),
            "{route:?} is for machines, by any name: {}",
            answer.status()
        );
        assert!(!answer.headers().contains_key(header::CONTENT_SECURITY_POLICY), "{route:?}: machine headers");
    }
}
