//! One connection: hyper's HTTP/1.1 state machine over a socket that reports
//! its reads, a service that tracks requests and bounds body reads, and a
//! watchdog that closes the connection when a head or the next request is late.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request, Response};
use axum::response::IntoResponse;
use axum::Router;
use bytes::Bytes;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Sleep;

use super::registry::{instant_at, Slot};
use super::ConnectionLimits;
use crate::error::ApiError;

pub(super) struct Connection {
    pub router: Router,
    pub peer: SocketAddr,
    pub slot: Arc<Slot>,
    pub limits: ConnectionLimits,
    pub builder: Arc<hyper::server::conn::http1::Builder>,
    /// Turns true when the server shuts down.
    pub draining: watch::Receiver<bool>,
}

impl Connection {
    /// Serves until the client closes, the watchdog fires, the accept loop
    /// evicts it, or (after a shutdown) the request in progress has finished.
    pub async fn serve(mut self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(ReportingIo {
            inner: stream,
            slot: self.slot.clone(),
        });
        let service = ConnService {
            router: self.router,
            peer: self.peer,
            slot: self.slot.clone(),
            body_read_timeout: self.limits.body_read_timeout,
        };
        let conn = self.builder.serve_connection(io, service);
        tokio::pin!(conn);
        let mut watchdog = Watchdog {
            slot: self.slot.clone(),
            limits: self.limits,
            sleep: Box::pin(tokio::time::sleep_until(instant_at(0))),
            armed_ms: None,
        };
        let evicted = self.slot.evicted();
        tokio::pin!(evicted);
        let mut draining = *self.draining.borrow();
        if draining {
            conn.as_mut().graceful_shutdown();
        }
        loop {
            // The connection first: the watchdog then sees the state it left.
            tokio::select! {
                biased;
                result = conn.as_mut() => {
                    if let Err(err) = result {
                        tracing::trace!(error = %err, "connection ended with an error");
                    }
                    return;
                }
                _ = &mut watchdog => return,
                _ = evicted.as_mut() => return,
                changed = self.draining.changed(), if !draining => {
                    draining = true;
                    if changed.is_ok() {
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        }
    }
}

/// Resolves when the connection's deadline (see [`Slot::deadline_ms`]) passes.
/// It is polled with the connection in one task, after it, so every state
/// change is seen without a wake-up of its own.
struct Watchdog {
    slot: Arc<Slot>,
    limits: ConnectionLimits,
    sleep: Pin<Box<Sleep>>,
    armed_ms: Option<u64>,
}

impl Future for Watchdog {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(deadline) = self.slot.deadline_ms(&self.limits) else {
            return Poll::Pending;
        };
        if self.armed_ms != Some(deadline) {
            self.armed_ms = Some(deadline);
            self.sleep.as_mut().reset(instant_at(deadline));
        }
        self.sleep.as_mut().poll(cx)
    }
}

/// The socket, telling the slot when bytes arrive.
struct ReportingIo {
    inner: TcpStream,
    slot: Arc<Slot>,
}

impl AsyncRead for ReportingIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.slot.bytes_read();
        }
        polled
    }
}

impl AsyncWrite for ReportingIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The router for one connection: adds the peer address (`ConnectInfo`, which
/// `extract::ClientIp` reads), bounds the body read, and counts the request as
/// in flight until its response body has been sent or dropped.
struct ConnService {
    router: Router,
    peer: SocketAddr,
    slot: Arc<Slot>,
    body_read_timeout: std::time::Duration,
}

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response<TrackedBody>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, req: Request<Incoming>) -> ResponseFuture {
        self.slot.request_started();
        let guard = InFlight(self.slot.clone());
        let (mut parts, incoming) = req.into_parts();
        parts.extensions.insert(ConnectInfo(self.peer));
        let body = if hyper::body::Body::is_end_stream(&incoming) {
            Body::new(incoming)
        } else {
            Body::new(DeadlineBody {
                inner: incoming,
                deadline: tokio::time::Instant::now() + self.body_read_timeout,
                sleep: None,
                slot: self.slot.clone(),
            })
        };
        let request = Request::from_parts(parts, body);
        ResponseFuture {
            inner: tower::ServiceExt::oneshot(self.router.clone(), request),
            guard: Some(guard),
        }
    }
}

pin_project_lite::pin_project! {
    struct ResponseFuture {
        #[pin]
        inner: tower::util::Oneshot<Router, Request<Body>>,
        guard: Option<InFlight>,
    }
}

impl Future for ResponseFuture {
    type Output = Result<Response<TrackedBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(mut response) = std::task::ready!(this.inner.poll(cx));
        let guard = this.guard.take().expect("polled after completion");
        if guard.0.take_body_timed_out() {
            // Whatever the handler made of the broken body, the answer is a
            // timeout; the rest of the body may still come, so do not reuse.
            response = ApiError::RequestTimeout.into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        Poll::Ready(Ok(response.map(|inner| TrackedBody {
            inner,
            _in_flight: guard,
        })))
    }
}

/// Marks the request done when dropped.
struct InFlight(Arc<Slot>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_done();
    }
}

/// A response body that keeps its request in flight until hyper drops it.
pub(super) struct TrackedBody {
    inner: Body,
    _in_flight: InFlight,
}

impl hyper::body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A request body that fails once its deadline passes before it is complete.
struct DeadlineBody {
    inner: Incoming,
    deadline: tokio::time::Instant,
    /// Created only when the body is not all there at once.
    sleep: Option<Pin<Box<Sleep>>>,
    slot: Arc<Slot>,
}

#[derive(Debug)]
struct BodyReadTimedOut;

impl std::fmt::Display for BodyReadTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request body read timed out")
    }
}

impl std::error::Error for BodyReadTimedOut {}

impl hyper::body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            self.slot.set_awaiting_body(false);
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        self.slot.set_awaiting_body(true);
        let deadline = self.deadline;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.slot.mark_body_timed_out();
                Poll::Ready(Some(Err(Box::new(BodyReadTimedOut))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
