//! `telemetryExportEndpoint`: parsed for a format, and turned into the target a push goes to.
//!
//! | format | accepted | push |
//! |---|---|---|
//! | prometheus | `host:port`, `http(s)://…` | `PUT` to the Pushgateway; `/metrics/job/<name>/instance/<instance>` is appended when the path has no `/metrics/job` |
//! | statsd | `host:port`, `udp://host:port`, `http(s)://…` | UDP datagrams, or a `POST` of the lines |
//! | json | `host:port`, `http(s)://…` | `POST` of the frame |
//!
//! `host:port` means `http://host:port` except for StatsD, where it means UDP. IPv6 hosts are
//! written in brackets (`[::1]:8125`). The query string of a StatsD endpoint carries its
//! options (see [`super::statsd::Options`]).
//!
//! An accepted endpoint is one the JS side can also parse with `new URL` and send to: a host
//! in brackets is an IPv6 address, a host that ends in a number is a dotted-quad IPv4
//! address, and user info holds only well-formed `%XX` escapes of UTF-8 text.

use std::fmt::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

use super::base64url;
use crate::core::config::ExportFormat;
use crate::core::json::Obj;

/// How a push travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
    /// UDP datagrams (StatsD only).
    Udp,
}

/// A parsed endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The transport.
    pub scheme: Scheme,
    /// The host, without IPv6 brackets.
    pub host: String,
    /// The port, when one is written.
    pub port: Option<u16>,
    /// `userinfo@host:port` as written (brackets kept).
    authority: String,
    /// The path, empty or starting with `/`.
    pub path: String,
    /// The query string without `?`, possibly empty.
    pub query: String,
}

/// Where and how one push is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// An HTTP request with the payload as its body.
    Http {
        /// The full URL.
        url: String,
        /// `PUT` or `POST`.
        method: &'static str,
        /// The body's media type.
        content_type: &'static str,
    },
    /// UDP datagrams.
    Udp {
        /// Host name or address, without brackets.
        host: String,
        /// Port.
        port: u16,
    },
}

/// What an endpoint of `format` may be, for error messages.
pub fn expected(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Prometheus => "a Pushgateway as \"host:port\" or an http(s):// URL",
        ExportFormat::Statsd => {
            "a StatsD daemon as \"host:port\" or udp://host:port, or an http(s):// URL"
        }
        ExportFormat::Json => "an http(s):// URL (or \"host:port\") that accepts POSTed frames",
    }
}

/// Why an endpoint was refused: what its format accepts, and what was wrong with it when
/// that is more than its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    /// What the format accepts (see [`expected`]).
    pub expected: &'static str,
    /// The part of the endpoint that was wrong, when it is worth saying.
    pub detail: Option<&'static str>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expected)?;
        match self.detail {
            Some(d) => write!(f, " ({d})"),
            None => Ok(()),
        }
    }
}

const BAD_IPV6: &str = "a host in brackets must be an IPv6 address, such as [::1]";
const BAD_IPV4: &str =
    "a host that ends in a number must be an IPv4 address of four numbers from 0 to 255, such as 10.0.0.1";
const BAD_USERINFO: &str = "the user name and password before `@` may hold %XX escapes of UTF-8 text, and no spaces, control characters or `\\`";

/// A host name: letters, digits, `-`, `.` and `_`, at most 253 characters.
fn valid_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
}

/// Whether a URL parser reads `host` as an IPv4 address: its last label (a single trailing
/// dot aside) is decimal digits, or `0x` and hex digits.
fn ends_in_number(host: &str) -> bool {
    let trimmed = host.strip_suffix('.').unwrap_or(host);
    let last = trimmed.rsplit('.').next().unwrap_or(trimmed);
    let hex = last.strip_prefix("0x").or_else(|| last.strip_prefix("0X"));
    match hex {
        Some(digits) => digits.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// User info as `fetch` credentials can carry it: `%` starts a two-digit hex escape, the
/// escapes decode to UTF-8, and there is no whitespace, control character or backslash
/// (which a URL parser would drop, or read as the end of the host).
fn valid_userinfo(userinfo: &str) -> bool {
    let mut bytes = Vec::with_capacity(userinfo.len());
    let mut chars = userinfo.chars();
    while let Some(c) = chars.next() {
        if c.is_whitespace() || c.is_control() || c == '\\' {
            return false;
        }
        if c == '%' {
            let hi = chars.next().and_then(|d| d.to_digit(16));
            let lo = chars.next().and_then(|d| d.to_digit(16));
            match (hi, lo) {
                (Some(hi), Some(lo)) => bytes.extend(u8::try_from(hi * 16 + lo).ok()),
                _ => return false,
            }
        } else {
            let mut buf = [0; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    std::str::from_utf8(&bytes).is_ok()
}

/// Checks a host as it was written (brackets removed); the error is its detail, if any.
fn check_host(host: &str, bracketed: bool) -> Result<(), Option<&'static str>> {
    if bracketed {
        return match host.parse::<Ipv6Addr>() {
            Ok(_) => Ok(()),
            Err(_) => Err(Some(BAD_IPV6)),
        };
    }
    if !valid_name(host) {
        return Err(None);
    }
    if ends_in_number(host) && host.parse::<Ipv4Addr>().is_err() {
        return Err(Some(BAD_IPV4));
    }
    Ok(())
}

fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse::<u16>().ok().filter(|&n| n > 0)
}

impl Endpoint {
    /// Parses `s` as an endpoint for `format`; the error says what is accepted.
    pub fn parse(format: ExportFormat, s: &str) -> Result<Endpoint, Refused> {
        let expected = expected(format);
        let bad = Refused {
            expected,
            detail: None,
        };
        let with = |detail| Refused {
            expected,
            detail: Some(detail),
        };
        let s = s.trim();
        let (scheme, rest, explicit) = match s.split_once("://") {
            Some((name, rest)) => {
                let scheme = match name.to_ascii_lowercase().as_str() {
                    "http" => Scheme::Http,
                    "https" => Scheme::Https,
                    "udp" => Scheme::Udp,
                    _ => return Err(bad),
                };
                (scheme, rest, true)
            }
            None => {
                let scheme = match format {
                    ExportFormat::Statsd => Scheme::Udp,
                    _ => Scheme::Http,
                };
                (scheme, s, false)
            }
        };
        if scheme == Scheme::Udp && format != ExportFormat::Statsd {
            return Err(bad);
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at_checked(end).ok_or(bad)?;
        let tail = tail.split('#').next().unwrap_or("");
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        if let Some(u) = userinfo {
            if scheme == Scheme::Udp {
                return Err(bad);
            }
            if !valid_userinfo(u) {
                return Err(with(BAD_USERINFO));
            }
        }
        let (host, port_text, bracketed) = if let Some(inner) = hostport.strip_prefix('[') {
            let (host, after) = inner.split_once(']').ok_or(bad)?;
            match after {
                "" => (host, None, true),
                _ => (host, Some(after.strip_prefix(':').ok_or(bad)?), true),
            }
        } else {
            match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p), false),
                None => (hostport, None, false),
            }
        };
        check_host(host, bracketed).map_err(|detail| Refused { expected, detail })?;
        let port = match port_text {
            Some(p) => Some(parse_port(p).ok_or(bad)?),
            None => None,
        };
        if port.is_none() && (!explicit || scheme == Scheme::Udp) {
            return Err(bad);
        }
        if scheme == Scheme::Udp && !(path.is_empty() || path == "/") {
            return Err(bad);
        }
        if path.chars().any(|c| c.is_whitespace() || c.is_control())
            || query.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad);
        }
        Ok(Endpoint {
            scheme,
            host: host.to_string(),
            port,
            authority: authority.to_string(),
            path: path.to_string(),
            query: query.to_string(),
        })
    }

    /// The HTTP URL with `path` in place of the parsed path (the query is kept).
    fn url_with_path(&self, path: &str) -> String {
        let scheme = match self.scheme {
            Scheme::Https => "https",
            Scheme::Http | Scheme::Udp => "http",
        };
        let mut url = format!("{scheme}://{}{path}", self.authority);
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&self.query);
        }
        url
    }

    /// Where a push of `format` goes; `job` is the cache's name, `instance` the process's.
    pub fn target(&self, format: ExportFormat, job: &str, instance: &str) -> Target {
        if self.scheme == Scheme::Udp {
            return Target::Udp {
                host: self.host.clone(),
                port: self.port.unwrap_or(8125),
            };
        }
        match format {
            ExportFormat::Prometheus => {
                let path = if self.path.contains("/metrics/job/")
                    || self.path.contains("/metrics/job@base64/")
                {
                    self.path.clone()
                } else {
                    format!(
                        "{}/metrics{}{}",
                        self.path.trim_end_matches('/'),
                        grouping("job", job),
                        grouping("instance", instance)
                    )
                };
                Target::Http {
                    url: self.url_with_path(&path),
                    method: "PUT",
                    content_type: super::prometheus::CONTENT_TYPE,
                }
            }
            ExportFormat::Statsd => Target::Http {
                url: self.url_with_path(&self.path),
                method: "POST",
                content_type: "text/plain; charset=utf-8",
            },
            ExportFormat::Json => Target::Http {
                url: self.url_with_path(&self.path),
                method: "POST",
                content_type: super::json::CONTENT_TYPE,
            },
        }
    }
}

/// One grouping label of a Pushgateway path: `/name/value`, or `/name@base64/…` when the
/// value is empty or holds anything but unreserved URL characters (a `/`, a space, …).
pub fn grouping(label: &str, value: &str) -> String {
    let plain = !value.is_empty()
        && value != "."
        && value != ".."
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b == b'~');
    if plain {
        format!("/{label}/{value}")
    } else if value.is_empty() {
        format!("/{label}@base64/=")
    } else {
        format!("/{label}@base64/{}", base64url(value.as_bytes()))
    }
}

impl Target {
    /// Writes the target as JSON for the transport: `{ transport: "http", url, method,
    /// contentType }` or `{ transport: "udp", host, port }`.
    pub fn write_json(&self, out: &mut impl Write) -> fmt::Result {
        let mut o = Obj::new(out)?;
        match self {
            Target::Http {
                url,
                method,
                content_type,
            } => {
                o.str("transport", "http")?;
                o.str("url", url)?;
                o.str("method", method)?;
                o.str("contentType", content_type)?;
            }
            Target::Udp { host, port } => {
                o.str("transport", "udp")?;
                o.str("host", host)?;
                o.count("port", u64::from(*port))?;
            }
        }
        o.end()
    }
}
