//! A small SMTP server that accepts every message and keeps it in memory, so
//! a newcomer can read the emails the portal sent (`/dev/mailbox`) and tests
//! can assert on them. It speaks just enough SMTP for real clients (lettre):
//! EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It can be told to refuse
//! the next messages, to test retries and dead letters.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The newest messages kept by default; older ones are dropped.
const DEFAULT_CAPACITY: usize = 500;

#[derive(Debug, Clone)]
pub struct CapturedMail {
    pub id: u64,
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
    pub received_at: time::OffsetDateTime,
}

impl CapturedMail {
    fn parsed(&self) -> Option<mail_parser::Message<'_>> {
        mail_parser::MessageParser::default().parse(self.raw.as_bytes())
    }

    pub fn subject(&self) -> String {
        self.parsed()
            .and_then(|m| m.subject().map(str::to_owned))
            .unwrap_or_default()
    }

    pub fn text(&self) -> String {
        self.parsed()
            .and_then(|m| m.body_text(0).map(|t| t.into_owned()))
            .unwrap_or_default()
    }

    pub fn html(&self) -> String {
        self.parsed()
            .and_then(|m| m.body_html(0).map(|t| t.into_owned()))
            .unwrap_or_default()
    }

    pub fn message_id(&self) -> String {
        self.parsed()
            .and_then(|m| m.message_id().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// How the sink answers the next messages (tests only).
#[derive(Debug, Clone, Copy)]
pub enum Refusal {
    /// 451: try again later.
    Transient,
    /// 550: never going to work.
    Permanent,
}

struct Inner {
    mails: VecDeque<CapturedMail>,
    capacity: usize,
    next_id: u64,
    refusals: VecDeque<Refusal>,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

impl SmtpSink {
    /// Listens on `addr` (port 0 picks a free one) and serves in the background.
    pub async fn start(addr: &str) -> std::io::Result<Self> {
        Self::start_with_capacity(addr, DEFAULT_CAPACITY).await
    }

    /// Like `start`, keeping up to `capacity` messages (load tests count them all).
    pub async fn start_with_capacity(addr: &str, capacity: usize) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let inner = Inner {
            mails: VecDeque::new(),
            capacity,
            next_id: 0,
            refusals: VecDeque::new(),
        };
        let sink = Self {
            addr: listener.local_addr()?,
            inner: Arc::new(Mutex::new(inner)),
        };
        let serving = sink.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let sink = serving.clone();
                tokio::spawn(async move {
                    if let Err(e) = sink.session(stream).await {
                        tracing::debug!(error = %e, "smtp sink session ended");
                    }
                });
            }
        });
        Ok(sink)
    }

    pub fn mails(&self) -> Vec<CapturedMail> {
        self.lock().mails.iter().cloned().collect()
    }

    pub fn mail(&self, id: u64) -> Option<CapturedMail> {
        self.lock().mails.iter().find(|m| m.id == id).cloned()
    }

    /// The next `count` messages are answered with `refusal`.
    pub fn refuse_next(&self, count: usize, refusal: Refusal) {
        self.lock()
            .refusals
            .extend(std::iter::repeat_n(refusal, count));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        // Replies are small writes; without this, delayed ACKs stall each message ~40 ms.
        stream.set_nodelay(true)?;
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 portal-dev-sink ESMTP\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            quick_ack(&lines);
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if command.starts_with("EHLO") {
                b"250-portal-dev-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if command.starts_with("HELO") || command.starts_with("NOOP") {
                b"250 OK\r\n"
            } else if command.starts_with("MAIL FROM:") {
                from = address(&line);
                to.clear();
                b"250 OK\r\n"
            } else if command.starts_with("RCPT TO:") {
                to.push(address(&line));
                b"250 OK\r\n"
            } else if command.starts_with("RSET") {
                from.clear();
                to.clear();
                b"250 OK\r\n"
            } else if command.starts_with("DATA") {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let raw = read_data(&mut lines).await?;
                self.finish_message(&from, &to, raw)
            } else if command.starts_with("QUIT") {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                b"502 Command not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
    }

    fn finish_message(&self, from: &str, to: &[String], raw: String) -> &'static [u8] {
        let mut inner = self.lock();
        match inner.refusals.pop_front() {
            Some(Refusal::Transient) => return b"451 Try again later\r\n",
            Some(Refusal::Permanent) => return b"550 Mailbox unavailable\r\n",
            None => {}
        }
        inner.next_id += 1;
        let mail = CapturedMail {
            id: inner.next_id,
            from: from.to_owned(),
            to: to.to_vec(),
            raw,
            received_at: time::OffsetDateTime::now_utc(),
        };
        inner.mails.push_back(mail);
        while inner.mails.len() > inner.capacity {
            inner.mails.pop_front();
        }
        b"250 OK: queued\r\n"
    }
}

/// Acknowledge received data at once. Clients (lettre) write the message body
/// and its final "." in two small writes; with Nagle on their side and
/// delayed ACKs on ours, every message would stall ~40 ms. Linux resets the
/// flag after a while, so it is set again before every read.
fn quick_ack(reader: &BufReader<tokio::net::tcp::OwnedReadHalf>) {
    #[cfg(target_os = "linux")]
    {
        let stream: &TcpStream = reader.get_ref().as_ref();
        let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = reader;
}

fn address(line: &str) -> String {
    let value = line.split_once(':').map(|(_, v)| v).unwrap_or_default();
    let value = value.split_whitespace().next().unwrap_or_default();
    value.trim_matches(|c| c == '<' || c == '>').to_owned()
}

async fn read_data(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<String> {
    let mut raw = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        quick_ack(lines);
        if lines.read_line(&mut line).await? == 0 || line == ".\r\n" || line == ".\n" {
            return Ok(raw);
        }
        // Dot-stuffing: a leading ".." stands for ".".
        raw.push_str(
            line.strip_prefix('.')
                .filter(|_| line.starts_with(".."))
                .unwrap_or(&line),
        );
    }
}
