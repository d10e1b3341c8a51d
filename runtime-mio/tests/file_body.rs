//! [`Response::file`]: a file body sent whole with its length, and cut (never passed off as
//! whole) when the file shrinks while it is sent.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use runtime_mio::server::{Request, Response, Server, ServerConfig};

fn temp(name: &str, len: usize) -> (PathBuf, Vec<u8>) {
    let path = std::env::temp_dir().join(format!("runtime-mio-{}-{name}", std::process::id()));
    let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    (path, data)
}

/// GET `target` with `Connection: close`: the head and the body bytes as far as they came.
fn get(server: &Server, target: &str) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(server.local_addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    let end = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    (
        String::from_utf8(all[..end].to_vec()).unwrap(),
        all[end..].to_vec(),
    )
}

#[test]
fn file_body_is_sent_whole_and_a_shrinking_file_is_cut() {
    let (whole, data) = temp("whole", (1 << 20) + 1);
    let (shrinks, _) = temp("shrinks", 1 << 20);
    let (w2, s2) = (whole.clone(), shrinks.clone());
    let config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        config,
        move |r: &Request| {
            match r.path() {
                "/whole" => Response::file(std::fs::File::open(&w2).unwrap()).unwrap(),
                "/shrinks" => {
                    let resp = Response::file(std::fs::File::open(&s2).unwrap()).unwrap();
                    // Shorter than the length the response announces.
                    std::fs::OpenOptions::new()
                        .write(true)
                        .open(&s2)
                        .unwrap()
                        .set_len(100_000)
                        .unwrap();
                    resp
                }
                "/dir" => {
                    match Response::file(std::fs::File::open(std::env::temp_dir()).unwrap()) {
                        Ok(_) => Response::text(200, "a directory was taken for a file"),
                        Err(e) => Response::text(404, e.to_string()),
                    }
                }
                _ => Response::text(404, ""),
            }
        },
    )
    .unwrap();

    let (head, body) = get(&server, "/whole");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("Content-Length: 1048577\r\n"), "{head}");
    assert!(body == data, "the body differs from the file");

    let (head, body) = get(&server, "/shrinks");
    assert!(head.contains("Content-Length: 1048576\r\n"), "{head}");
    assert_eq!(
        body.len(),
        100_000,
        "the connection ends where the file did"
    );

    let (head, _) = get(&server, "/dir");
    assert!(head.starts_with("HTTP/1.1 404 "), "{head}");

    server.shutdown().unwrap();
    std::fs::remove_file(whole).unwrap();
    std::fs::remove_file(shrinks).unwrap();
}
