//! A per-client-IP concurrency limit: at most N requests in flight per IP address; the next
//! one is answered 429 at once rather than queued, so one client cannot occupy every worker.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Counts requests in flight per IP.
#[derive(Clone)]
pub struct IpLimiter {
    max: usize,
    inflight: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

struct Permit {
    ip: IpAddr,
    inflight: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut map = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

impl IpLimiter {
    pub fn new(max: usize) -> Self {
        IpLimiter {
            max: max.max(1),
            inflight: Arc::default(),
        }
    }

    fn acquire(&self, ip: IpAddr) -> Option<Permit> {
        let mut map = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Permit {
            ip,
            inflight: self.inflight.clone(),
        })
    }
}

/// The middleware. Requests without connection info (in-process tests) are not limited.
pub async fn limit_per_ip(State(limiter): State<IpLimiter>, req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let _permit = match ip {
        Some(ip) => match limiter.acquire(ip) {
            Some(p) => Some(p),
            None => {
                return ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-requests",
                    format!("more than {} requests in flight from {ip}", limiter.max),
                )
                .into_response();
            }
        },
        None => None,
    };
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_are_counted_per_ip_and_released_on_drop() {
        let l = IpLimiter::new(2);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let p1 = l.acquire(a).unwrap();
        let _p2 = l.acquire(a).unwrap();
        assert!(
            l.acquire(a).is_none(),
            "third request from the same IP is refused"
        );
        let _q = l.acquire(b).expect("another IP is not affected");
        drop(p1);
        assert!(l.acquire(a).is_some(), "a finished request frees its slot");
    }
}
