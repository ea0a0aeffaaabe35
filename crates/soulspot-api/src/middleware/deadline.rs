//! A deadline for reading a request's body: a client that sends its body slowly (one byte a
//! second) holds a connection and a worker's attention only until the deadline, then the body
//! read fails (`408 body-timeout` for a JSON body) and the connection is closed.
//!
//! actix-web bounds the time to receive a request's head (`client_request_timeout`) but not its
//! body, so the request's payload is wrapped here in a stream that ends with a timeout error once
//! the deadline, counted from the moment the head arrived, has passed.

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage as _;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use futures::Stream;
use tokio::time::Sleep;

/// How long reading one request's body may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyReadTimeout(pub Duration);

/// Wraps the request's body (if any) in the deadline found in the app data.
pub async fn body_deadline<B: MessageBody + 'static>(
    mut request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    if let Some(timeout) = request
        .app_data::<Data<BodyReadTimeout>>()
        .map(|data| data.0)
    {
        let payload = request.take_payload();
        if !matches!(payload, Payload::None) {
            let bounded = DeadlinePayload {
                inner: payload,
                deadline: Box::pin(tokio::time::sleep(timeout)),
                expired: false,
            };
            request.set_payload(Payload::Stream {
                payload: Box::pin(bounded),
            });
        }
    }
    next.call(request).await
}

/// Whether a payload error is this deadline's.
pub(crate) fn is_body_timeout(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(error) if error.kind() == std::io::ErrorKind::TimedOut)
}

struct DeadlinePayload {
    inner: Payload,
    deadline: Pin<Box<Sleep>>,
    expired: bool,
}

impl Stream for DeadlinePayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(None);
        }
        // Data that is already here is handed out even at the deadline; waiting is what ends.
        match Pin::new(&mut this.inner).poll_next(context) {
            Poll::Ready(item) => Poll::Ready(item),
            Poll::Pending => match this.deadline.as_mut().poll(context) {
                Poll::Ready(()) => {
                    this.expired = true;
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the body did not arrive in time",
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
