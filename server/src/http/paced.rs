//! An upload's `multipart/form-data` read one body chunk at a time.
//!
//! `Multipart` (multer underneath) fills its buffer from the body until the
//! body would wait. Over a fast link the socket always has more, so it reads
//! megabytes ahead of the disk it is being written to: a 10 MB upload grew
//! the server by 14 MB. Here the body says "not yet" after each chunk (and
//! wakes itself at once), so the parser takes one chunk, hands it on to be
//! written, and only then reads the next. Memory stays at about one chunk
//! per upload, whatever the link's speed.

use axum::body::{Body, BodyDataStream};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequest, Multipart, Request};
use futures::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The form of an upload, read one chunk per poll (see the module).
pub struct PacedMultipart(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for PacedMultipart {
    type Rejection = MultipartRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let paced = Body::from_stream(OneChunkPerPoll {
            inner: body.into_data_stream(),
            just_yielded: false,
        });
        // The parts keep their extensions, so `DefaultBodyLimit` still applies.
        Multipart::from_request(Request::from_parts(parts, paced), state)
            .await
            .map(Self)
    }
}

struct OneChunkPerPoll {
    inner: BodyDataStream,
    just_yielded: bool,
}

impl Stream for OneChunkPerPoll {
    type Item = <BodyDataStream as Stream>::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.just_yielded {
            self.just_yielded = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let next = Pin::new(&mut self.inner).poll_next(cx);
        self.just_yielded = matches!(next, Poll::Ready(Some(Ok(_))));
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::task::noop_waker_ref;

    #[test]
    fn the_parser_gets_one_chunk_per_poll_even_when_more_are_ready() {
        let chunks = futures::stream::iter(["a", "b"].map(Ok::<_, std::io::Error>));
        let mut paced = OneChunkPerPoll {
            inner: Body::from_stream(chunks).into_data_stream(),
            just_yielded: false,
        };
        let mut cx = Context::from_waker(noop_waker_ref());
        let mut poll = || match Pin::new(&mut paced).poll_next(&mut cx) {
            Poll::Ready(Some(Ok(bytes))) => Some(String::from_utf8(bytes.to_vec()).unwrap()),
            Poll::Ready(Some(Err(e))) => panic!("{e}"),
            Poll::Ready(None) => Some("end".into()),
            Poll::Pending => None,
        };
        let polls: Vec<_> = (0..5).map(|_| poll()).collect();
        assert_eq!(
            polls,
            [
                Some("a".into()),
                None,
                Some("b".into()),
                None,
                Some("end".into())
            ]
        );
    }
}
