//! One source of truth for a browser's HTTP/2 behaviour: a [`tls::Profile`] carries it (as
//! plain data, next to the ClientHello it goes with), and [`h2_config`] is the one converter
//! that turns it into the [`proto_h2::conn::Config`] a client connection sends.
//!
//! The two crates write the same facts in different units, so the conversion is where they
//! could drift apart; it is done once, here, and checked:
//!
//! | profile ([`tls::profile::Http2Profile`]) | config ([`Config`]) |
//! |---|---|
//! | `settings`, (id, value) in order | `settings`, the same list (each value range-checked) |
//! | `connection_window_update` (the increment sent after SETTINGS, 0 for none) | `connection_window` = 65,535 + the increment |
//! | `headers_priority` weight 1..=256 (what the browser means) | `headers_priority` weight 0..=255 (what the wire carries) |
//! | `pseudo_header_order`, four names such as `":method"` | `pseudo_order`, four [`Pseudo`] |
//! | `http2_headers` names (the browser's default fields, in order) | `header_order` (lower-case names) |
//!
//! A profile value that a config cannot carry is an [`ProfileError`] naming the element,
//! never silently something else.

use std::fmt;

use proto_h2::conn::{Config, Pseudo};
use proto_h2::frame::{Priority, StreamId};
use proto_h2::settings::{DEFAULT_WINDOW, MAX_WINDOW, Settings};
use tls::Profile;

/// A profile element that a [`Config`] cannot carry as written.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileError {
    /// A SETTINGS value outside its range (RFC 9113 6.5.2): the peer would reject it.
    Setting {
        /// The identifier.
        id: u16,
        /// The value.
        value: u32,
        /// Why it is refused.
        reason: String,
    },
    /// The same SETTINGS identifier twice: a browser sends each once.
    DuplicateSetting {
        /// The identifier.
        id: u16,
    },
    /// The connection WINDOW_UPDATE would take the connection window past 2^31 - 1.
    WindowUpdate {
        /// The increment.
        increment: u32,
    },
    /// A HEADERS priority weight outside 1..=256.
    Weight {
        /// The weight given.
        weight: u16,
    },
    /// A HEADERS priority dependency with the reserved high bit set.
    Dependency {
        /// The dependency given.
        dependency: u32,
    },
    /// The pseudo-header order is not a permutation of `:method`, `:authority`, `:scheme`,
    /// `:path`.
    PseudoOrder {
        /// The order given.
        order: Vec<String>,
    },
    /// A default HTTP/2 header name that is not lower-case (RFC 9113 8.2.1 forbids upper
    /// case on HTTP/2).
    HeaderName {
        /// The name given.
        name: String,
    },
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileError::Setting { id, value, reason } => {
                write!(f, "profile SETTINGS {id}:{value}: {reason}")
            }
            ProfileError::DuplicateSetting { id } => {
                write!(f, "profile SETTINGS: identifier {id} given twice")
            }
            ProfileError::WindowUpdate { increment } => write!(
                f,
                "profile connection WINDOW_UPDATE {increment}: the window would pass 2^31-1"
            ),
            ProfileError::Weight { weight } => {
                write!(
                    f,
                    "profile HEADERS priority weight {weight}: not in 1..=256"
                )
            }
            ProfileError::Dependency { dependency } => write!(
                f,
                "profile HEADERS priority dependency {dependency}: above 2^31-1"
            ),
            ProfileError::PseudoOrder { order } => write!(
                f,
                "profile pseudo-header order {order:?}: not a permutation of :method, \
                 :authority, :scheme, :path"
            ),
            ProfileError::HeaderName { name } => {
                write!(f, "profile HTTP/2 header name {name:?}: not lower-case")
            }
        }
    }
}

impl std::error::Error for ProfileError {}

/// The HTTP/2 client config that sends `profile`'s connection preface and HEADERS: its
/// SETTINGS in order, its connection WINDOW_UPDATE, the priority on each HEADERS frame, its
/// pseudo-header order, and its default fields first in its order. Everything else (limits,
/// timeouts) is [`Config::client`]'s.
///
/// # Errors
/// [`ProfileError`] naming the first element a config cannot carry.
///
/// ```
/// let config = runtime_mio::profile::h2_config(&tls::profile::CHROME).unwrap();
/// assert_eq!(config.connection_window, 65_535 + 15_663_105);
/// assert_eq!(config.headers_priority.unwrap().weight, 255); // Chrome's 256 on the wire
/// ```
pub fn h2_config(profile: &Profile) -> Result<Config, ProfileError> {
    let h2 = &profile.http2;
    let mut check = Settings::default();
    for (i, &(id, value)) in h2.settings.iter().enumerate() {
        if h2.settings[..i].iter().any(|&(seen, _)| seen == id) {
            return Err(ProfileError::DuplicateSetting { id });
        }
        check.apply(id, value).map_err(|e| ProfileError::Setting {
            id,
            value,
            reason: e.to_string(),
        })?;
    }
    let increment = h2.connection_window_update;
    let connection_window = DEFAULT_WINDOW
        .checked_add(increment)
        .filter(|w| *w <= MAX_WINDOW)
        .ok_or(ProfileError::WindowUpdate { increment })?;
    let headers_priority = match h2.headers_priority {
        None => None,
        Some(p) => {
            let weight = p
                .weight
                .checked_sub(1)
                .and_then(|w| u8::try_from(w).ok())
                .ok_or(ProfileError::Weight { weight: p.weight })?;
            if p.stream_dependency > MAX_WINDOW {
                return Err(ProfileError::Dependency {
                    dependency: p.stream_dependency,
                });
            }
            Some(Priority {
                exclusive: p.exclusive,
                dependency: StreamId::new(p.stream_dependency),
                weight,
            })
        }
    };
    let header_order = profile
        .http2_headers
        .iter()
        .map(|(name, _)| {
            if name.bytes().any(|b| b.is_ascii_uppercase()) {
                Err(ProfileError::HeaderName {
                    name: name.to_string(),
                })
            } else {
                Ok(name.as_bytes().to_vec())
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Config {
        settings: h2.settings.to_vec(),
        connection_window,
        headers_priority,
        pseudo_order: pseudo_order(&h2.pseudo_header_order)?,
        header_order,
        ..Config::client()
    })
}

/// The four request pseudo-headers in `names`' order.
fn pseudo_order(names: &[tls::profile::Text]) -> Result<[Pseudo; 4], ProfileError> {
    let bad = || ProfileError::PseudoOrder {
        order: names.iter().map(|n| n.to_string()).collect(),
    };
    if names.len() != 4 {
        return Err(bad());
    }
    let mut order = [Pseudo::Method; 4];
    for (slot, name) in order.iter_mut().zip(names) {
        *slot = match name.as_ref() {
            ":method" => Pseudo::Method,
            ":authority" => Pseudo::Authority,
            ":scheme" => Pseudo::Scheme,
            ":path" => Pseudo::Path,
            _ => return Err(bad()),
        };
    }
    for (i, p) in order.iter().enumerate() {
        if order[..i].contains(p) {
            return Err(bad());
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tls::profile::{CHROME, Http2Profile};

    fn with_h2(h2: Http2Profile) -> Profile {
        Profile {
            http2: h2,
            ..CHROME.clone()
        }
    }

    #[test]
    fn chrome_matches_proto_h2s_chrome_config() {
        // proto-h2 keeps a Chrome config of its own for its tests (it cannot depend on tls);
        // the two must say the same thing.
        assert_eq!(
            h2_config(&CHROME).unwrap(),
            Config {
                header_order: h2_config(&CHROME).unwrap().header_order,
                ..Config::chrome()
            }
        );
    }

    #[test]
    fn refused_elements_are_named() {
        let h2 = &CHROME.http2;
        let cases: [(Http2Profile, ProfileError); 6] = [
            (
                Http2Profile {
                    settings: [(5, 100)].to_vec().into(),
                    ..h2.clone()
                },
                ProfileError::Setting {
                    id: 5,
                    value: 100,
                    reason: "SETTINGS_MAX_FRAME_SIZE 100 outside 16384..=16777215".into(),
                },
            ),
            (
                Http2Profile {
                    settings: [(1, 65536), (1, 4096)].to_vec().into(),
                    ..h2.clone()
                },
                ProfileError::DuplicateSetting { id: 1 },
            ),
            (
                Http2Profile {
                    connection_window_update: MAX_WINDOW,
                    ..h2.clone()
                },
                ProfileError::WindowUpdate {
                    increment: MAX_WINDOW,
                },
            ),
            (
                Http2Profile {
                    headers_priority: Some(tls::profile::Priority {
                        stream_dependency: 0,
                        weight: 0,
                        exclusive: false,
                    }),
                    ..h2.clone()
                },
                ProfileError::Weight { weight: 0 },
            ),
            (
                Http2Profile {
                    headers_priority: Some(tls::profile::Priority {
                        stream_dependency: 0,
                        weight: 257,
                        exclusive: false,
                    }),
                    ..h2.clone()
                },
                ProfileError::Weight { weight: 257 },
            ),
            (
                Http2Profile {
                    pseudo_header_order: vec![
                        ":method".into(),
                        ":method".into(),
                        ":scheme".into(),
                        ":path".into(),
                    ]
                    .into(),
                    ..h2.clone()
                },
                ProfileError::PseudoOrder {
                    order: vec![
                        ":method".into(),
                        ":method".into(),
                        ":scheme".into(),
                        ":path".into(),
                    ],
                },
            ),
        ];
        for (h2, want) in cases {
            assert_eq!(h2_config(&with_h2(h2)), Err(want));
        }
        let upper = Profile {
            http2_headers: vec![("User-Agent".into(), "x".into())].into(),
            ..CHROME.clone()
        };
        assert!(matches!(
            h2_config(&upper),
            Err(ProfileError::HeaderName { name }) if name == "User-Agent"
        ));
    }

    #[test]
    fn weight_bounds_convert() {
        for (weight, wire) in [(1u16, 0u8), (16, 15), (256, 255)] {
            let p = with_h2(Http2Profile {
                headers_priority: Some(tls::profile::Priority {
                    stream_dependency: 3,
                    weight,
                    exclusive: true,
                }),
                ..CHROME.http2.clone()
            });
            let prio = h2_config(&p).unwrap().headers_priority.unwrap();
            assert_eq!((prio.weight, prio.dependency.value()), (wire, 3));
        }
    }

    /// Each built-in's Akamai string, through a custom profile, gives an HTTP/2 config equal
    /// to the built-in's (but for the header order, which the string does not carry), whose
    /// preface the server-side fingerprint reads back as the same Akamai string.
    #[test]
    fn custom_profiles_from_akamai_strings_send_the_same_preface() {
        use crate::fingerprint::H2Fingerprint;
        use proto_h2::pair::Pair;
        const JA3: &str = "771,4865-49199,0-23-65281-10-11-13-51-45-43,29,0";
        for p in tls::profile::BUILT_IN {
            let akamai = p.http2.akamai_text();
            let options = tls::profile::CustomOptions {
                headers_priority: p.http2.headers_priority,
                ..tls::profile::CustomOptions::default()
            };
            let custom = Profile::from_ja3_akamai_with(JA3, &akamai, &options).unwrap();
            let config = h2_config(&custom).unwrap();
            assert_eq!(
                config,
                Config {
                    header_order: Vec::new(),
                    ..h2_config(p).unwrap()
                },
                "{}",
                p.name
            );
            let mut pair = Pair::new(std::time::Instant::now(), config, Config::server());
            let req = proto_h2::conn::Request::get(b"https", b"example.com", b"/");
            pair.client.send_request(&req, true).unwrap();
            pair.drive();
            let seen = H2Fingerprint::of(pair.server.peer_fingerprint());
            assert_eq!(seen.akamai, akamai, "{}", p.name);
        }
    }
}
