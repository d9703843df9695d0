//! A scripted HTTP/1.1 server on a loopback port that writes exact bytes: every fault a
//! real server or proxy can produce (resets, short bodies, stalls, HTML pages), and a
//! record of every request as received on the wire.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// A request as the server read it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target exactly as sent: path and query, still percent-encoded.
    pub target: String,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// When the request line arrived.
    pub at: Instant,
}

impl Seen {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// A header value by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Writes these bytes, then closes the connection.
    Bytes(Vec<u8>),
    /// Writes these bytes, then resets the connection (RST, not FIN).
    BytesThenReset(Vec<u8>),
    /// Resets the connection without answering.
    Reset,
    /// Waits, then writes these bytes and closes.
    Delayed(Duration, Vec<u8>),
    /// Writes these bytes, then holds the connection open this long before closing it.
    BytesThenStall(Vec<u8>, Duration),
}

type Script = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

/// The server; dropped, it stops accepting.
pub struct Server {
    base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Answers request number `n` (0-based, in arrival order) with `script(n, &request)`.
    pub async fn start(script: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let log = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let log = log.clone();
                let script = script.clone();
                tokio::spawn(async move { serve(stream, log, script).await });
            }
        });
        Server {
            base_url: format!("http://{addr}"),
            seen,
            task,
        }
    }

    /// Answers every request the same way.
    pub async fn always(reply: Reply) -> Self {
        Self::start(move |_, _| reply.clone()).await
    }

    /// `http://127.0.0.1:port`
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Number of requests so far.
    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

async fn serve(stream: TcpStream, log: Arc<Mutex<Vec<Seen>>>, script: Arc<Script>) {
    let Some(request) = read_request(&stream).await else {
        return;
    };
    let (index, request) = {
        let mut log = log.lock().unwrap();
        log.push(request.clone());
        (log.len() - 1, request)
    };
    match script(index, &request) {
        Reply::Bytes(bytes) => {
            let _ = write_all(&stream, &bytes).await;
            drop(stream);
        }
        Reply::BytesThenReset(bytes) => {
            let _ = write_all(&stream, &bytes).await;
            // Let the bytes leave before the reset discards them.
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Reply::Reset => {
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Reply::BytesThenStall(bytes, delay) => {
            let _ = write_all(&stream, &bytes).await;
            tokio::time::sleep(delay).await;
            drop(stream);
        }
        Reply::Delayed(delay, bytes) => {
            tokio::time::sleep(delay).await;
            let _ = write_all(&stream, &bytes).await;
            drop(stream);
        }
    }
}

async fn read_request(stream: &TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        let n = read(stream, &mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let at = Instant::now();
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = read(stream, &mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        method,
        target,
        headers,
        body,
        at,
    })
}

async fn read(stream: &TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            other => return other,
        }
    }
}

async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A complete response: status line, `Content-Type`, extra headers, `Content-Length`,
/// `Connection: close`, body.
pub fn response(status: u16, content_type: &str, extra: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Whatever")
}

/// `200` with a HAL JSON body.
pub fn json(body: &str) -> Reply {
    Reply::Bytes(response(200, "application/hal+json", &[], body.as_bytes()))
}

/// A status with a problem+json body.
pub fn problem(status: u16, title: &str) -> Reply {
    let body = format!(
        r#"{{"title":"{title}","type":"https://httpstatus.es/{status}","status":{status},"detail":"{title} detail"}}"#
    );
    Reply::Bytes(response(
        status,
        "application/problem+json",
        &[],
        body.as_bytes(),
    ))
}

/// A status with an HTML page, as nginx sends for 502/503/429.
pub fn html(status: u16) -> Reply {
    Reply::Bytes(response(
        status,
        "text/html",
        &[],
        html_page(status).as_bytes(),
    ))
}

/// nginx's error page.
pub fn html_page(status: u16) -> String {
    format!(
        "<html>\r\n<head><title>{status} {r}</title></head>\r\n<body>\r\n<center><h1>{status} {r}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
        r = reason(status)
    )
}

/// `204` without a body.
pub fn no_content() -> Reply {
    Reply::Bytes(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_vec())
}

/// `202` without a body.
pub fn accepted() -> Reply {
    Reply::Bytes(response(202, "", &[], b""))
}

/// One widget as JSON.
pub fn widget_json(id: u64, code: &str) -> String {
    format!(
        r#"{{"id":{id},"code":"{code}","version":"1.0.{id}","rating":"2,8","settings_template":[{{"key":"conf","name":"custom","type":"custom","is_required":false}}],"is_lead_source":false,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":false,"pipeline_id":null,"_links":{{"self":{{"href":"https://example.amocrm.ru/api/v4/widgets/{code}"}}}}}}"#
    )
}

/// Page `page` of `total` widgets (`w1`, `w2`, ...), `limit` a page, with HAL links.
pub fn page_json(page: u32, limit: u32, total: u32) -> Option<String> {
    let first = (page - 1) * limit + 1;
    if first > total {
        return None;
    }
    let last = (page * limit).min(total);
    let widgets: Vec<String> = (first..=last)
        .map(|i| widget_json(u64::from(i), &format!("w{i}")))
        .collect();
    let next = if last < total {
        format!(
            r#","next":{{"href":"https://example.amocrm.ru/api/v4/widgets?limit={limit}&page={}"}}"#,
            page + 1
        )
    } else {
        String::new()
    };
    Some(format!(
        r#"{{"_page":{page},"_links":{{"self":{{"href":"https://example.amocrm.ru/api/v4/widgets?limit={limit}&page={page}"}}{next}}},"_embedded":{{"widgets":[{}]}}}}"#,
        widgets.join(",")
    ))
}

/// The `page` query parameter of a request target.
pub fn page_of(target: &str) -> u32 {
    query_param(target, "page").unwrap_or(1)
}

/// The `limit` query parameter of a request target.
pub fn limit_of(target: &str) -> u32 {
    query_param(target, "limit").unwrap_or(50)
}

fn query_param(target: &str, key: &str) -> Option<u32> {
    let query = target.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
}

/// A client of `base_url` with no rate limit, a 2 s timeout and `retry`.
pub fn client(base_url: &str, retry: amocrm::RetryPolicy) -> amocrm::Client {
    amocrm::Client::builder()
        .account(amocrm::AccountUrl::base_url(base_url))
        .token("test-token")
        .rate_limit(None)
        .timeout(Duration::from_secs(2))
        .retry(retry)
        .build()
        .expect("client")
}

/// Retries with short fixed delays: `attempts` in all, 10 ms apart.
pub fn quick_retries(attempts: u32) -> amocrm::RetryPolicy {
    amocrm::RetryPolicy::new()
        .max_attempts(attempts)
        .delays(Duration::from_millis(10), Duration::from_millis(10))
}

/// A loopback port nothing listens on (right now).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// The base URL of a server that accepts connections and never answers (each is held
/// open until the test ends): every request to it times out.
pub async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    base
}
