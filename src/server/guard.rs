//! The Host/Origin guard, in front of every route.
//!
//! The server holds voter data and listens on loopback, where any web page the user opens
//! could reach it. The browser's same-origin policy keeps a foreign page from reading our
//! responses, except through DNS rebinding: a hostile name that first resolves to its own
//! server and then to 127.0.0.1 makes `evil.example:8080` and this server the same origin.
//! Such a page always sends its own name as `Host`, so every request, reads included, must
//! carry a `Host` that is `localhost` or an IP address literal (any port; the configured bind
//! address is an IP literal too). An `Origin`, when the browser sends one, must be that same
//! host, which also stops cross-site writes (a form or `fetch` from another page).

use super::api::ApiError;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;

/// Middleware: refuses with 403 a request whose `Host` or `Origin` could come from a page of
/// another site (see the module docs).
pub(super) async fn same_origin(req: Request, next: Next) -> Response {
    match check(req.headers()) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

fn forbidden(message: &str) -> ApiError {
    ApiError {
        status: StatusCode::FORBIDDEN,
        code: "forbidden",
        message: message.to_string(),
    }
}

/// Whether a `Host` value names this machine in a way no other site can: `localhost` or an
/// IP literal (`127.0.0.1:8080`, `[::1]:8080`, `192.168.1.5`).
fn is_local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((ip, port)) if port.is_empty() || port.starts_with(':') => ip,
            _ => return false,
        },
        None => host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok()
}

fn check(headers: &HeaderMap) -> Result<(), ApiError> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| forbidden("a request needs a Host header"))?;
    if !is_local_host(host) {
        return Err(forbidden(
            "the map is served only through localhost or an IP address, not a host name \
             (open http://127.0.0.1:PORT/)",
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let o = origin.to_str().unwrap_or("");
        if o != format!("http://{host}") && o != format!("https://{host}") {
            return Err(forbidden(
                "requests are accepted only from the map's own page",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_and_ip_literals_are_local_and_dns_names_are_not() {
        for h in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:8080",
            "[::1]",
            "0.0.0.0:8080",
            "192.168.1.5:8080",
        ] {
            assert!(is_local_host(h), "{h}");
        }
        for h in [
            "evil.example:8080",
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1.nip.io:8080",
            "[::1]evil:8080",
            "",
        ] {
            assert!(!is_local_host(h), "{h}");
        }
    }
}
