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

use std::fmt::{self, Write};

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

fn valid_host(host: &str, bracketed: bool) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && if bracketed {
            host.chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        } else {
            host.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
        }
}

fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse::<u16>().ok().filter(|&n| n > 0)
}

impl Endpoint {
    /// Parses `s` as an endpoint for `format`; the error says what is accepted.
    pub fn parse(format: ExportFormat, s: &str) -> Result<Endpoint, &'static str> {
        let bad = expected(format);
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
        if userinfo.is_some() && scheme == Scheme::Udp {
            return Err(bad);
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
        if !valid_host(host, bracketed) {
            return Err(bad);
        }
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
