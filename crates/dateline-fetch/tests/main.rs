//! The fetcher's tests, one binary: fetching pages to clip, and checking links. Both talk to
//! local servers written by hand on 127.0.0.1 (no internet).

mod check;
mod fetch;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The request's head (request line and headers) as text; `None` when the client went away first.
pub async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    Some(String::from_utf8_lossy(&request).into_owned())
}
